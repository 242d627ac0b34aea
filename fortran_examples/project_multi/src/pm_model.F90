! The head of project_multi: initial temperature profile t0 and diffusivity
! kap -> a misfit of the final profile after nsteps time steps.
subroutine pm_run(t0, kap, nsteps, cost)
  use pm_cost, only: misfit
  implicit none
  include 'pm_grid.h'
  integer, intent(in) :: nsteps
  double precision, intent(in) :: t0(nz), kap
  double precision, intent(out) :: cost
  double precision :: t(nz)
  call pmsetup(kap)
  t = t0
  call pmadv(t, nsteps, 0.2d0)
  call misfit(t, nz, cost)
end subroutine pm_run
