! Physical parameters and grid metrics of the timestep_tree model.
!
! The grid is the unit square [0,1]x[0,1] divided into nx*ny cells,
! periodic in x, closed (no-flux walls) in y.  The metrics are module
! variables set once per run by grid_init and read by the physics and
! kernel routines, as in most ocean codes.  They depend on integer data
! only: they are passive.
module tt_params
  implicit none

  ! flow: the streamfunction amplitude and the meander amplitude
  double precision, parameter :: uref = 1.0d0
  double precision, parameter :: ameander = 0.5d0
  ! diffusion: upper bound of the diffusivity used for the time step
  double precision, parameter :: kbound = 2.0d-3
  ! reaction: half-saturation of the uptake, light attenuation,
  ! fraction of the mortality recycled into the nutrient
  double precision, parameter :: ksat = 0.5d0
  double precision, parameter :: kext = 0.8d0
  double precision, parameter :: recyc = 0.6d0
  ! limiter regularisation (van Albada, smooth form)
  double precision, parameter :: eps_lim = 1.0d-6
  ! time step safety factor
  double precision, parameter :: cfl = 0.4d0
  ! cost: pseudo-Huber scale and weight of the running production term
  double precision, parameter :: hub = 0.1d0
  double precision, parameter :: wprod = 0.1d0

  ! grid metrics (module variables, set by grid_init)
  double precision :: dx, dy, rdx, rdy, area
  ! passive bookkeeping: number of time steps done in this run
  integer :: nstep_done

contains

  subroutine grid_init(nx, ny)
    integer, intent(in) :: nx, ny
    dx = 1.0d0/dble(nx)
    dy = 1.0d0/dble(ny)
    rdx = 1.0d0/dx
    rdy = 1.0d0/dy
    area = dx*dy
    nstep_done = 0
  end subroutine grid_init

end module tt_params
