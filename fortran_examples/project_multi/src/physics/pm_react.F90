! Logistic source term, compiled only with -DWITH_REACTION (fadj.toml defines
! it; fadj -U WITH_REACTION builds the model without this file's routine).
#ifdef WITH_REACTION
module pm_react
  use pm_kinds, only: wp
  use pm_consts, only: rrate, tcap
  implicit none
contains

  subroutine react(t, tend, n)
    integer, intent(in) :: n
    real(wp), intent(in) :: t(n)
    real(wp), intent(inout) :: tend(n)
    integer :: i
    do i = 1, n
      tend(i) = tend(i) + rrate*t(i)*(1.0_wp - t(i)/tcap)
    end do
  end subroutine react

end module pm_react
#endif
