! One time step of the column: NSUB explicit sub-steps of diffusion, forcing
! and (with -DWITH_REACTION) reaction.  NSUB comes from pm_config.h.
#include "pm_config.h"
module pm_step
  use pm_kinds, only: wp
  use pm_limit, only: smooth_abs
#ifdef WITH_REACTION
  use pm_react, only: react
#endif
  implicit none
contains

  subroutine pm_stepper(t, n, dt, time)
    integer, intent(in) :: n
    real(wp), intent(inout) :: t(n)
    real(wp), intent(in) :: dt, time
    real(wp) :: tend(n), h
    integer :: k
#if NSUB > 1
    h = dt/NSUB
#else
    h = dt
#endif
    do k = 1, NSUB
      tend = 0.0_wp
      !$AD NOCHECKPOINT
      call pmdiff(t, tend)
      call pmforc(t, tend, time)
#ifdef WITH_REACTION
      call react(t, tend, n)
#endif
      t = t + h*tend
    end do
    ! a smooth bound on the surface value (differentiable everywhere)
    t(1) = 0.5_wp*(t(1) + 1.5_wp - smooth_abs(t(1) - 1.5_wp, 0.01_wp))
  end subroutine pm_stepper

end module pm_step
