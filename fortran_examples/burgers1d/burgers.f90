! burgers1d: viscous Burgers equation u_t + (u**2/2)_x = nu u_xx on the
! periodic interval [0, 2 pi), finite volumes with a smoothed Rusanov
! (local Lax-Friedrichs) flux, Heun (RK2) time stepping.  A small code for
! quick runs.
!
! Call tree:
!   burgers_run (head)        time loop do it = 1, nsteps
!     -> step                 one Heun step (two stages)
!          -> rhs (x2)        -d/dx of the total flux
!               -> face_flux  per face: numerical flux kernel
!                    -> smooth_abs (function), phys_flux (function)
!     -> misfit               final misfit to an observation
!
! Controls (vars): u0(nx) initial state, nu (scalar) viscosity.
! Output (outvars): cost = final misfit + running energy integral.
module burgers
  implicit none

  double precision, parameter :: umax = 2.0d0     ! bound on |u| for the time step
  double precision, parameter :: numax = 0.1d0    ! bound on nu for the time step
  double precision, parameter :: cfl = 0.4d0
  double precision, parameter :: delta = 0.05d0   ! smoothing of |u| in the dissipation
  double precision, parameter :: wener = 0.05d0   ! weight of the energy integral

contains

  ! physical flux u**2/2
  double precision function phys_flux(u)
    double precision, intent(in) :: u
    phys_flux = 0.5d0*u*u
  end function phys_flux

  ! |u| smoothed near 0 (no kink)
  double precision function smooth_abs(u)
    double precision, intent(in) :: u
    smooth_abs = sqrt(u*u + delta*delta)
  end function smooth_abs

  ! numerical flux through one face from the left and right states:
  ! Rusanov convective flux with the smoothed wave speed, minus the
  ! viscous flux nu (ur - ul)/dx
  subroutine face_flux(ul, ur, nu, rdx, f)
    double precision, intent(in) :: ul, ur, nu, rdx
    double precision, intent(out) :: f
    double precision :: a
    a = smooth_abs(0.5d0*(ul + ur))
    f = 0.5d0*(phys_flux(ul) + phys_flux(ur)) - 0.5d0*a*(ur - ul) - nu*(ur - ul)*rdx
  end subroutine face_flux

  ! r = -(F(i+1/2) - F(i-1/2))/dx, periodic
  subroutine rhs(u, nu, r, nx, rdx)
    integer, intent(in) :: nx
    double precision, intent(in) :: u(nx), nu, rdx
    double precision, intent(out) :: r(nx)
    double precision :: f(0:nx)
    integer :: i
    call face_flux(u(nx), u(1), nu, rdx, f(0))
    do i = 1, nx - 1
      call face_flux(u(i), u(i + 1), nu, rdx, f(i))
    end do
    f(nx) = f(0)
    do i = 1, nx
      r(i) = -(f(i) - f(i - 1))*rdx
    end do
  end subroutine rhs

  ! one Heun step, u updated in place; the energy integral is accumulated
  subroutine step(u, nu, nx, dt, rdx, energy)
    integer, intent(in) :: nx
    double precision, intent(inout) :: u(nx), energy
    double precision, intent(in) :: nu, dt, rdx
    double precision :: u1(nx), r0(nx), r1(nx)
    integer :: i
    call rhs(u, nu, r0, nx, rdx)
    do i = 1, nx
      u1(i) = u(i) + dt*r0(i)
    end do
    call rhs(u1, nu, r1, nx, rdx)
    do i = 1, nx
      u(i) = u(i) + 0.5d0*dt*(r0(i) + r1(i))
      energy = energy + dt*0.5d0*u(i)**2/(dble(nx)*rdx)
    end do
  end subroutine step

  ! final misfit to a travelling-wave observation
  subroutine misfit(u, nx, t, rdx, j)
    integer, intent(in) :: nx
    double precision, intent(in) :: u(nx), t, rdx
    double precision, intent(out) :: j
    double precision :: x, uobs
    integer :: i
    j = 0.0d0
    do i = 1, nx
      x = (dble(i) - 0.5d0)/rdx
      uobs = 1.0d0 + 0.4d0*sin(x - t)
      j = j + 0.5d0*(u(i) - uobs)**2/rdx
    end do
  end subroutine misfit

  ! Head routine.
  subroutine burgers_run(u0, nu, nx, nsteps, cost)
    integer, intent(in) :: nx, nsteps
    double precision, intent(in) :: u0(nx), nu
    double precision, intent(out) :: cost
    double precision :: u(nx)
    double precision :: dx, rdx, dt, energy, jmis, pi
    integer :: i, it

    pi = 4.0d0*atan(1.0d0)
    dx = 2.0d0*pi/dble(nx)
    rdx = 1.0d0/dx
    dt = cfl*min(dx/umax, 0.5d0*dx*dx/numax)
    do i = 1, nx
      u(i) = u0(i)
    end do
    energy = 0.0d0
    do it = 1, nsteps
      call step(u, nu, nx, dt, rdx, energy)
    end do
    call misfit(u, nx, dble(nsteps)*dt, rdx, jmis)
    cost = jmis + wener*energy
  end subroutine burgers_run

end module burgers
