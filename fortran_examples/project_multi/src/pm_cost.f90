! Misfit of a profile to the value 0.8, weighted by depth (plain free form).
module pm_cost
  use pm_kinds, only: wp
  use pm_limit, only: smooth_abs
  implicit none
contains

  subroutine misfit(t, n, j)
    integer, intent(in) :: n
    real(wp), intent(in) :: t(n)
    real(wp), intent(out) :: j
    integer :: i
    j = 0.0_wp
    do i = 1, n
      j = j + smooth_abs(t(i) - 0.8_wp, 0.05_wp)*dble(i)/dble(n)
    end do
  end subroutine misfit

end module pm_cost
