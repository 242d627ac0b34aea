! timestep_tree: a two-tracer (nutrient a, phytoplankton b) transport-
! reaction model on a periodic channel, the example code of fadj's
! checkpointing tests and benchmarks.
!
! Call tree (see README.md for the call sites):
!   model_run                     time loop do it = 1, nsteps
!     -> grid_init, set_velocity  passive set-up
!     -> step                     one time step, state updated in place
!          -> advect (a, b)       -> face_flux (per face) -> slope_va
!          -> diffuse (a, b)      -> diff_flux (per face)
!          -> react               -> np_kernel (per cell), light_factor
!     -> final_cost               -> misfit (per cell)
!
! Controls (vars): initial fields a0, b0, the diffusivity field kap, the
! rates par = (growth, mortality).  Output (outvars): cost = pseudo-Huber
! misfit of the final fields to analytic "observations" + wprod * the
! primary production integrated over the run.
module tt_model
  use tt_params
  use tt_kernels
  use tt_physics
  implicit none

contains

  ! Head routine.
  subroutine model_run(a0, b0, kap, par, nx, ny, nsteps, cost)
    integer, intent(in) :: nx, ny, nsteps
    double precision, intent(in) :: a0(nx, ny), b0(nx, ny), kap(nx, ny), par(2)
    double precision, intent(out) :: cost
    double precision :: a(nx, ny), b(nx, ny)
    double precision :: u(nx, ny), v(nx, 0:ny)
    double precision :: dt, dtadv, dtdif, prod
    integer :: i, j, it

    call grid_init(nx, ny)
    call set_velocity(u, v, nx, ny)
    ! stable explicit step (passive: from the grid and the bounds only)
    dtadv = 1.0d0/(2.5d0*uref*(rdx + rdy))
    dtdif = 1.0d0/(4.0d0*kbound*(rdx*rdx + rdy*rdy))
    dt = cfl*min(dtadv, dtdif)

    do j = 1, ny
      do i = 1, nx
        a(i, j) = a0(i, j)
        b(i, j) = b0(i, j)
      end do
    end do
    prod = 0.0d0

    do it = 1, nsteps
      call step(a, b, kap, par, u, v, nx, ny, dt, prod)
    end do

    call final_cost(a, b, nx, ny, prod, cost)
  end subroutine model_run

  ! One time step: transport of both tracers, then the reactions.
  subroutine step(a, b, kap, par, u, v, nx, ny, dt, prod)
    integer, intent(in) :: nx, ny
    double precision, intent(inout) :: a(nx, ny), b(nx, ny)
    double precision, intent(in) :: kap(nx, ny), par(2)
    double precision, intent(in) :: u(nx, ny), v(nx, 0:ny), dt
    double precision, intent(inout) :: prod

    call advect(a, u, v, nx, ny, dt)
    call advect(b, u, v, nx, ny, dt)
    call diffuse(a, kap, 1.0d0, nx, ny, dt)
    call diffuse(b, kap, 0.5d0, nx, ny, dt)
    call react(a, b, par, nx, ny, dt, prod)
    nstep_done = nstep_done + 1
  end subroutine step

  ! Misfit of the final state to smooth analytic observations plus the
  ! weighted production integral.
  subroutine final_cost(a, b, nx, ny, prod, cost)
    integer, intent(in) :: nx, ny
    double precision, intent(in) :: a(nx, ny), b(nx, ny), prod
    double precision, intent(out) :: cost
    double precision :: pi, x, y, aobs, bobs, s
    integer :: i, j

    pi = 4.0d0*atan(1.0d0)
    s = 0.0d0
    do j = 1, ny
      y = (dble(j) - 0.5d0)*dy
      do i = 1, nx
        x = (dble(i) - 0.5d0)*dx
        aobs = 1.0d0 + 0.2d0*cos(2.0d0*pi*x)*y
        bobs = 0.4d0 + 0.1d0*sin(2.0d0*pi*x)*sin(pi*y)
        s = s + misfit(a(i, j), aobs) + 2.0d0*misfit(b(i, j), bobs)
      end do
    end do
    cost = area*s + wprod*prod
  end subroutine final_cost

end module tt_model
