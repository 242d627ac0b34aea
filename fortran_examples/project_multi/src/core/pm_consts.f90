! Constants of the reaction term (plain free form, not preprocessed).
module pm_consts
  use pm_kinds, only: wp
  implicit none
  real(wp), parameter :: rrate = 0.3_wp     ! logistic growth rate
  real(wp), parameter :: tcap = 2.0_wp      ! carrying capacity
end module pm_consts
