! Parameters and grid of the adr2d example (2-D advection-diffusion-
! reaction of a population/pollutant c in a channel [0,2] x [0,1]).
!
! Cells (i,j), i=1..nx, j=1..ny, of size dx*dy; the concentration is
! stored with one ghost cell on every side, c(0:nx+1, 0:ny+1):
!   west  (i = 0):    Dirichlet inflow profile cin(j)
!   east  (i = nx+1): zero-gradient outflow
!   south/north:      periodic in y
! Face velocities: u(i,j) on the east face of cell (i,j), i=0..nx;
! v(i,j) on its north face, j=0..ny (v(:,0) = v(:,ny), periodic).
module adr_grid
  implicit none

  double precision, parameter :: xlen = 2.0d0, ylen = 1.0d0
  double precision, parameter :: u0 = 1.0d0        ! mean along-channel velocity
  double precision, parameter :: v0 = 0.3d0        ! cross-channel eddy velocity
  double precision, parameter :: k0 = 4.0d-3       ! background diffusivity
  double precision, parameter :: kalpha = 0.5d0    ! K(c) = k0*(1 + kalpha*c**2)
  double precision, parameter :: cmaxk = 3.0d0     ! bound on c for the time step
  double precision, parameter :: rgrow = 1.5d0     ! logistic growth rate
  double precision, parameter :: kcap = 2.0d0      ! carrying capacity
  double precision, parameter :: graze = 0.8d0     ! Holling III predation rate
  double precision, parameter :: hsat = 0.6d0      ! its half-saturation
  double precision, parameter :: cfl = 0.4d0

  ! grid metrics (module variables, set by adr_grid_init)
  double precision :: dx, dy, rdx, rdy, area

contains

  subroutine adr_grid_init(nx, ny)
    integer, intent(in) :: nx, ny
    dx = xlen/dble(nx)
    dy = ylen/dble(ny)
    rdx = 1.0d0/dx
    rdy = 1.0d0/dy
    area = dx*dy
  end subroutine adr_grid_init

  ! stable explicit time step (advective and diffusive limits)
  subroutine adr_time_step(dt)
    double precision, intent(out) :: dt
    double precision :: tadv, tdif
    tadv = 1.0d0/((1.3d0*u0)*rdx + v0*rdy)
    tdif = 1.0d0/(4.0d0*k0*(1.0d0 + kalpha*cmaxk**2)*(rdx*rdx + rdy*rdy))
    dt = cfl*min(tadv, tdif)
  end subroutine adr_time_step

end module adr_grid
