! Smooth replacements of non-differentiable functions, used by the dynamics
! and by the cost (a module of src/physics used from other folders).
module pm_limit
  use pm_kinds, only: wp
  implicit none
contains

  ! |x| smoothed over a width eps: sqrt(x**2 + eps**2)
  pure function smooth_abs(x, eps) result(y)
    real(wp), intent(in) :: x, eps
    real(wp) :: y
    y = sqrt(x*x + eps*eps)
  end function smooth_abs

end module pm_limit
