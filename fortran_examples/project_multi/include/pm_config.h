! pm_config.h: build configuration, #included by the C preprocessor.
! NSUB sub-steps per time step (override with -DNSUB=...).
#ifndef NSUB
#define NSUB 2
#endif
