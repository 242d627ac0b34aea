! Physics routines of the timestep_tree model: each updates a tracer field
! c(nx,ny) in place over one time step, calling the kernels of
! tt_kernels.f90 once per face or per cell.
!
! Staggering: cell (i,j) has its centre at ((i-1/2)dx, (j-1/2)dy); the
! x-face velocity u(i,j) sits on its east face (x = i*dx, periodic: the
! east face of cell nx is the west face of cell 1), the y-face velocity
! v(i,j) on its north face (y = j*dy); v(i,0) = v(i,ny) = 0 (walls).
module tt_physics
  use tt_params
  use tt_kernels
  implicit none

contains

  ! Divergence-free meandering jet from the streamfunction
  !   psi(x,y) = uref*(-y + ameander*sin(2 pi x)*sin(pi y)/pi)
  ! sampled at the cell corners: the discrete divergence is exactly zero.
  subroutine set_velocity(u, v, nx, ny)
    integer, intent(in) :: nx, ny
    double precision, intent(out) :: u(nx, ny), v(nx, 0:ny)
    double precision :: pi, xe, xw, yn, ys
    integer :: i, j
    pi = 4.0d0*atan(1.0d0)
    do j = 1, ny
      yn = dble(j)*dy
      ys = dble(j - 1)*dy
      do i = 1, nx
        xe = dble(i)*dx
        u(i, j) = -(psi(xe, yn) - psi(xe, ys))*rdy
      end do
    end do
    do j = 0, ny
      yn = dble(j)*dy
      do i = 1, nx
        xe = dble(i)*dx
        xw = dble(i - 1)*dx
        v(i, j) = (psi(xe, yn) - psi(xw, yn))*rdx
      end do
    end do
    do i = 1, nx
      v(i, 0) = 0.0d0
      v(i, ny) = 0.0d0
    end do
  contains
    double precision function psi(x, y)
      double precision, intent(in) :: x, y
      psi = uref*(-y + ameander*sin(2.0d0*pi*x)*sin(pi*y)/pi)
    end function psi
  end subroutine set_velocity

  ! Flux-form limited upwind advection of c by (u, v), forward Euler.
  ! The y stencils read a local copy ch of c with two rows of mirror ghost
  ! cells beyond each wall (zero-gradient condition).
  subroutine advect(c, u, v, nx, ny, dt)
    integer, intent(in) :: nx, ny
    double precision, intent(inout) :: c(nx, ny)
    double precision, intent(in) :: u(nx, ny), v(nx, 0:ny), dt
    double precision :: ch(nx, -1:ny + 2)
    double precision :: fx(nx, ny), fy(nx, 0:ny)
    integer :: i, j, im, ip, ipp

    ! halo copy
    do j = 1, ny
      do i = 1, nx
        ch(i, j) = c(i, j)
      end do
    end do
    do i = 1, nx
      ch(i, 0) = c(i, 1)
      ch(i, -1) = c(i, 2)
      ch(i, ny + 1) = c(i, ny)
      ch(i, ny + 2) = c(i, ny - 1)
    end do
    ! x faces (periodic)
    do j = 1, ny
      do i = 1, nx
        im = mod(i + nx - 2, nx) + 1
        ip = mod(i, nx) + 1
        ipp = mod(i + 1, nx) + 1
        call face_flux(ch(im, j), ch(i, j), ch(ip, j), ch(ipp, j), u(i, j), fx(i, j))
      end do
    end do
    ! y faces (walls: no flux through j = 0 and j = ny)
    do i = 1, nx
      fy(i, 0) = 0.0d0
      fy(i, ny) = 0.0d0
    end do
    do j = 1, ny - 1
      do i = 1, nx
        call face_flux(ch(i, j - 1), ch(i, j), ch(i, j + 1), ch(i, j + 2), v(i, j), fy(i, j))
      end do
    end do
    ! conservative update
    do j = 1, ny
      do i = 1, nx
        im = mod(i + nx - 2, nx) + 1
        c(i, j) = c(i, j) - dt*((fx(i, j) - fx(im, j))*rdx + (fy(i, j) - fy(i, j - 1))*rdy)
      end do
    end do
  end subroutine advect

  ! Explicit diffusion of c with the cell diffusivity fac*kap(i,j).
  subroutine diffuse(c, kap, fac, nx, ny, dt)
    integer, intent(in) :: nx, ny
    double precision, intent(inout) :: c(nx, ny)
    double precision, intent(in) :: kap(nx, ny), fac, dt
    double precision :: gx(nx, ny), gy(nx, 0:ny)
    integer :: i, j, im, ip

    do j = 1, ny
      do i = 1, nx
        ip = mod(i, nx) + 1
        call diff_flux(kap(i, j), kap(ip, j), fac, c(i, j), c(ip, j), rdx, gx(i, j))
      end do
    end do
    do i = 1, nx
      gy(i, 0) = 0.0d0
      gy(i, ny) = 0.0d0
    end do
    do j = 1, ny - 1
      do i = 1, nx
        call diff_flux(kap(i, j), kap(i, j + 1), fac, c(i, j), c(i, j + 1), rdy, gy(i, j))
      end do
    end do
    do j = 1, ny
      do i = 1, nx
        im = mod(i + nx - 2, nx) + 1
        c(i, j) = c(i, j) + dt*((gx(i, j) - gx(im, j))*rdx + (gy(i, j) - gy(i, j - 1))*rdy)
      end do
    end do
  end subroutine diffuse

  ! Nutrient (a) - phytoplankton (b) reactions, cell by cell; the light
  ! factor is computed once per row.  par(1) = maximum growth rate,
  ! par(2) = mortality rate.  prod accumulates the primary production.
  subroutine react(a, b, par, nx, ny, dt, prod)
    integer, intent(in) :: nx, ny
    double precision, intent(inout) :: a(nx, ny), b(nx, ny)
    double precision, intent(in) :: par(2), dt
    double precision, intent(inout) :: prod
    double precision :: light
    integer :: i, j

    do j = 1, ny
      light = light_factor((dble(j) - 0.5d0)*dy)
      do i = 1, nx
        call np_kernel(a(i, j), b(i, j), par(1), par(2), light, dt, prod)
      end do
    end do
  end subroutine react

end module tt_physics
