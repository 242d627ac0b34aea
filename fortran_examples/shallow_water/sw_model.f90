! shallow_water: nonlinear shallow-water equations in a closed basin on a
! beta plane (Arakawa C grid, leapfrog with a Robert-Asselin filter, first
! step forward Euler), forced by a double-gyre wind, with quadratic bottom
! drag and Laplacian viscosity.
!
! Call tree:
!   sw_run (head)                 time loop do it = 1, nsteps
!     -> sw_grid_init             passive set-up (module variables)
!     -> sw_step                  one leapfrog step
!          -> total_depth
!          -> continuity          -> face_depth (function)
!          -> momentum_u          -> drag_kernel (per u point), face_depth,
!                                    fcor, taux, lap5 (functions)
!          -> momentum_v          -> drag_kernel (per v point), ...
!          -> apply_bc
!          -> time_filter (x3: h, u, v with different bounds)
!     cost (in sw_run)            -> ekin (function, per cell)
!
! Controls (vars): eta0(nx,ny) initial surface elevation (m),
! dep(nx,ny) bathymetry (depth of the sea floor, m).  Output (outvars):
! cost = mean squared misfit of h to observations at tide-gauge stations
! (every third cell) at the final time + a weighted mean energy density.
module sw_model
  use sw_params
  use sw_kernels
  use sw_physics
  implicit none

  double precision, parameter :: wenergy = 1.0d-2

contains

  subroutine sw_run(eta0, dep, nx, ny, nsteps, cost)
    integer, intent(in) :: nx, ny, nsteps
    double precision, intent(in) :: eta0(nx, ny), dep(nx, ny)
    double precision, intent(out) :: cost
    double precision :: ho(nx, ny), h(nx, ny)
    double precision :: uo(0:nx, ny), u(0:nx, ny)
    double precision :: vo(nx, 0:ny), v(nx, 0:ny)
    double precision :: dt2, filt, pi, x, y, hobs, smis, sen, uc, vc
    integer :: i, j, it, nsta

    call sw_grid_init(nx, ny)

    ! state at rest with the initial elevation
    do j = 1, ny
      do i = 1, nx
        h(i, j) = eta0(i, j)
        ho(i, j) = eta0(i, j)
      end do
    end do
    do j = 1, ny
      do i = 0, nx
        u(i, j) = 0.0d0
        uo(i, j) = 0.0d0
      end do
    end do
    do j = 0, ny
      do i = 1, nx
        v(i, j) = 0.0d0
        vo(i, j) = 0.0d0
      end do
    end do

    do it = 1, nsteps
      if (it == 1) then
        dt2 = dt
        filt = 0.0d0
      else
        dt2 = 2.0d0*dt
        filt = robert
      end if
      call sw_step(ho, h, uo, u, vo, v, dep, nx, ny, dt2, filt)
    end do

    ! misfit at the stations (strided loops) and energy density
    pi = 4.0d0*atan(1.0d0)
    smis = 0.0d0
    nsta = 0
    do j = 2, ny - 1, 3
      y = (dble(j) - 0.5d0)*dy
      do i = 2, nx - 1, 3
        x = (dble(i) - 0.5d0)*dx
        hobs = 0.2d0*sin(pi*x/lx)*cos(pi*y/ly)
        smis = smis + (h(i, j) - hobs)**2
        nsta = nsta + 1
      end do
    end do
    sen = 0.0d0
    do j = 1, ny
      do i = 1, nx
        uc = 0.5d0*(u(i - 1, j) + u(i, j))
        vc = 0.5d0*(v(i, j - 1) + v(i, j))
        sen = sen + 0.5d0*grav*h(i, j)**2 + ekin(uc, vc, dep(i, j) + h(i, j))
      end do
    end do
    cost = smis/dble(max(nsta, 1)) + wenergy*sen/dble(nx*ny)
  end subroutine sw_run

  ! kinetic energy per unit area and density of a water column
  double precision function ekin(uc, vc, dtot)
    double precision, intent(in) :: uc, vc, dtot
    ekin = 0.5d0*dtot*(uc*uc + vc*vc)
  end function ekin

  ! One leapfrog step (or the Euler start when dt2 = dt, filt = 0):
  ! new levels from the current and old ones, walls, filter and shift.
  subroutine sw_step(ho, h, uo, u, vo, v, dep, nx, ny, dt2, filt)
    integer, intent(in) :: nx, ny
    double precision, intent(inout) :: ho(nx, ny), h(nx, ny)
    double precision, intent(inout) :: uo(0:nx, ny), u(0:nx, ny)
    double precision, intent(inout) :: vo(nx, 0:ny), v(nx, 0:ny)
    double precision, intent(in) :: dep(nx, ny), dt2, filt
    double precision :: d(nx, ny), hn(nx, ny), un(0:nx, ny), vn(nx, 0:ny)

    call total_depth(h, dep, d, nx, ny)
    call continuity(hn, ho, d, u, v, nx, ny, dt2)
    call momentum_u(un, uo, u, v, vo, h, d, nx, ny, dt2)
    call momentum_v(vn, vo, v, u, uo, h, d, nx, ny, dt2)
    call apply_bc(un, vn, nx, ny)
    call time_filter(ho, h, hn, 1, nx, 1, ny, filt)
    call time_filter(uo, u, un, 0, nx, 1, ny, filt)
    call time_filter(vo, v, vn, 1, nx, 0, ny, filt)
  end subroutine sw_step

end module sw_model
