! Working precision of the project_multi column model (C preprocessor: .F90).
! PM_KIND selects it; double precision unless the build says otherwise.
module pm_kinds
  implicit none
#ifndef PM_KIND
#define PM_KIND 8
#endif
  integer, parameter :: wp = PM_KIND
end module pm_kinds
