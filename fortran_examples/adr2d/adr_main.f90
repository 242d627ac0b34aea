! adr2d: advection-diffusion-reaction of a population c in a channel,
!
!   dc/dt + div(u c) = div(K(c) grad c) + r c (1 - c/kcap)
!                      - g c**2/(h**2 + c**2) + q(x, y)
!
! (logistic growth, Holling type III predation: the spruce-budworm
! kinetics; nonlinear diffusivity K(c) = k0 (1 + kalpha c**2)), first-
! order upwind advection by a passive meandering flow, Heun (RK2) time
! stepping.
!
! Call tree:
!   adr_run (head)              time loop do it = 1, nsteps
!     -> adr_grid_init, set_flow, set_inflow, adr_time_step   passive set-up
!     -> rk2_step               one Heun step
!          -> compute_rhs (x2: predictor and corrector stages)
!               -> fill_halo
!               -> adv_rhs      -> upwind (function, per face)
!               -> dif_rhs      -> dflux (per face) -> kdiff (function)
!               -> rea_rhs      -> reaction_kernel (per cell)
!     running exposure cost accumulated in the head's time loop
!
! Controls (vars): c0(nx,ny) initial population, q(nx,ny) source field.
! Output (outvars): cost = time-integrated exposure sum(c**2) over a
! receptor region (accumulated each step) + the misfit of the final field
! to an analytic observation.
module adr_main
  use adr_grid
  use adr_ops
  implicit none

contains

  subroutine adr_run(c0, q, nx, ny, nsteps, cost)
    integer, intent(in) :: nx, ny, nsteps
    double precision, intent(in) :: c0(nx, ny), q(nx, ny)
    double precision, intent(out) :: cost
    double precision :: c(0:nx + 1, 0:ny + 1)
    double precision :: u(0:nx, ny), v(nx, 0:ny), cin(ny)
    double precision :: dt, expo, smis, xc, yc, cobs, pi
    integer :: i, j, it, irec0, irec1

    call adr_grid_init(nx, ny)
    call set_flow(u, v, nx, ny)
    call set_inflow(cin, ny)
    call adr_time_step(dt)
    pi = 4.0d0*atan(1.0d0)

    do j = 0, ny + 1
      do i = 0, nx + 1
        c(i, j) = 0.0d0
      end do
    end do
    do j = 1, ny
      do i = 1, nx
        c(i, j) = c0(i, j)
      end do
    end do

    ! receptor region: the columns of the downstream fifth of the channel
    irec0 = (4*nx)/5 + 1
    irec1 = nx
    expo = 0.0d0
    do it = 1, nsteps
      call rk2_step(c, q, cin, u, v, nx, ny, dt)
      do j = 1, ny
        do i = irec0, irec1
          expo = expo + dt*area*c(i, j)**2
        end do
      end do
    end do

    smis = 0.0d0
    do j = 1, ny
      yc = (dble(j) - 0.5d0)*dy
      do i = 1, nx
        xc = (dble(i) - 0.5d0)*dx
        cobs = 1.0d0 + 0.3d0*sin(pi*xc)*cos(2.0d0*pi*yc)
        smis = smis + (c(i, j) - cobs)**2
      end do
    end do
    cost = expo + 0.5d0*area*smis
  end subroutine adr_run

  ! One Heun step: c <- (c + c1 + dt R(c1))/2 with c1 = c + dt R(c).
  subroutine rk2_step(c, q, cin, u, v, nx, ny, dt)
    integer, intent(in) :: nx, ny
    double precision, intent(inout) :: c(0:nx + 1, 0:ny + 1)
    double precision, intent(in) :: q(nx, ny), cin(ny)
    double precision, intent(in) :: u(0:nx, ny), v(nx, 0:ny), dt
    double precision :: c1(0:nx + 1, 0:ny + 1), r(nx, ny)
    integer :: i, j

    call compute_rhs(c, q, cin, u, v, r, nx, ny)
    do j = 0, ny + 1
      do i = 0, nx + 1
        c1(i, j) = c(i, j)
      end do
    end do
    do j = 1, ny
      do i = 1, nx
        c1(i, j) = c(i, j) + dt*r(i, j)
      end do
    end do
    call compute_rhs(c1, q, cin, u, v, r, nx, ny)
    do j = 1, ny
      do i = 1, nx
        c(i, j) = 0.5d0*(c(i, j) + c1(i, j) + dt*r(i, j))
      end do
    end do
  end subroutine rk2_step

  ! Right-hand side r(c) of the semi-discrete equation (fills the halo of c).
  subroutine compute_rhs(c, q, cin, u, v, r, nx, ny)
    integer, intent(in) :: nx, ny
    double precision, intent(inout) :: c(0:nx + 1, 0:ny + 1)
    double precision, intent(in) :: q(nx, ny), cin(ny)
    double precision, intent(in) :: u(0:nx, ny), v(nx, 0:ny)
    double precision, intent(out) :: r(nx, ny)

    call fill_halo(c, cin, nx, ny)
    call adv_rhs(c, u, v, r, nx, ny)
    call dif_rhs(c, r, nx, ny)
    call rea_rhs(c, q, r, nx, ny)
  end subroutine compute_rhs

  ! Passive meandering flow: u = u0 (1 + 0.3 sin(2 pi y)), always
  ! eastward; v = v0 sin(pi x) cos(2 pi x) changes sign along the channel.
  subroutine set_flow(u, v, nx, ny)
    integer, intent(in) :: nx, ny
    double precision, intent(out) :: u(0:nx, ny), v(nx, 0:ny)
    double precision :: pi, xf, yf
    integer :: i, j
    pi = 4.0d0*atan(1.0d0)
    do j = 1, ny
      yf = (dble(j) - 0.5d0)*dy
      do i = 0, nx
        u(i, j) = u0*(1.0d0 + 0.3d0*sin(2.0d0*pi*yf))
      end do
    end do
    do j = 0, ny
      do i = 1, nx
        xf = (dble(i) - 0.5d0)*dx
        v(i, j) = v0*sin(pi*xf)*cos(2.0d0*pi*xf)
      end do
    end do
  end subroutine set_flow

  ! Inflow profile at the west end.
  subroutine set_inflow(cin, ny)
    integer, intent(in) :: ny
    double precision, intent(out) :: cin(ny)
    double precision :: pi
    integer :: j
    pi = 4.0d0*atan(1.0d0)
    do j = 1, ny
      cin(j) = 0.8d0 + 0.2d0*cos(2.0d0*pi*(dble(j) - 0.5d0)*dy)
    end do
  end subroutine set_inflow

end module adr_main
