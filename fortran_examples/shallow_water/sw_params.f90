! Physical constants, numerical parameters and grid of the shallow_water
! example.
!
! Closed rectangular basin of lx x ly metres on a beta plane, Arakawa C grid:
!   h(i,j)  surface elevation at the centre of cell (i,j), i=1..nx, j=1..ny
!   u(i,j)  eastward velocity on the east face of cell (i,j), i=0..nx
!           (u(0,:) and u(nx,:) are the west and east walls)
!   v(i,j)  northward velocity on the north face of cell (i,j), j=0..ny
!           (v(:,0) and v(:,ny) are the south and north walls)
! The grid metrics and the time step are module variables set by
! sw_grid_init (passive: they depend on the sizes only).
module sw_params
  implicit none

  double precision, parameter :: grav = 9.81d0        ! m/s**2
  double precision, parameter :: rho0 = 1025.0d0      ! kg/m**3
  double precision, parameter :: lx = 6.0d5, ly = 5.0d5   ! m
  double precision, parameter :: f0 = 7.0d-5          ! 1/s, Coriolis at y = 0
  double precision, parameter :: beta = 2.0d-11       ! 1/(m s)
  double precision, parameter :: cdrag = 2.5d-3       ! quadratic bottom drag
  double precision, parameter :: ubg = 0.02d0         ! m/s, background (tidal) speed in the drag
  double precision, parameter :: tau0 = 0.1d0         ! N/m**2, wind stress amplitude
  double precision, parameter :: hmax = 150.0d0       ! m, bound of the depth for the time step
  double precision, parameter :: cfl = 0.25d0         ! gravity-wave Courant number
  double precision, parameter :: visc_nd = 0.02d0     ! nu*dt/dx**2
  double precision, parameter :: robert = 0.1d0       ! Robert-Asselin filter coefficient

  ! grid metrics and time step (set by sw_grid_init)
  double precision :: dx, dy, rdx, rdy, dt, visc

contains

  subroutine sw_grid_init(nx, ny)
    integer, intent(in) :: nx, ny
    dx = lx/dble(nx)
    dy = ly/dble(ny)
    rdx = 1.0d0/dx
    rdy = 1.0d0/dy
    dt = cfl*min(dx, dy)/sqrt(grav*hmax)
    visc = visc_nd*min(dx, dy)**2/dt
  end subroutine sw_grid_init

  ! Coriolis parameter at the northern coordinate y
  double precision function fcor(y)
    double precision, intent(in) :: y
    fcor = f0 + beta*y
  end function fcor

  ! zonal wind stress (N/m**2) at y: a double-gyre pattern
  double precision function taux(y)
    double precision, intent(in) :: y
    double precision :: pi
    pi = 4.0d0*atan(1.0d0)
    taux = -tau0*cos(2.0d0*pi*y/ly)
  end function taux

end module sw_params
