! Physics routines of the shallow_water example: each fills the new time
! level (suffix n) of one field from the current level (no suffix) and the
! old level (suffix o) of a leapfrog scheme:
!   x_n = x_o + dt2*R(x, x_o),   dt2 = 2 dt (dt for the first, Euler, step)
! with the gravity-wave terms (continuity, pressure gradient, Coriolis,
! wind) and the momentum advection at the current level, the dissipative
! terms (bottom drag, viscosity) lagged at the old level, as usual with
! leapfrog.
module sw_physics
  use sw_params
  use sw_kernels
  implicit none

contains

  ! Total depth d = dep + h at the cell centres.
  subroutine total_depth(h, dep, d, nx, ny)
    integer, intent(in) :: nx, ny
    double precision, intent(in) :: h(nx, ny), dep(nx, ny)
    double precision, intent(out) :: d(nx, ny)
    integer :: i, j
    do j = 1, ny
      do i = 1, nx
        d(i, j) = dep(i, j) + h(i, j)
      end do
    end do
  end subroutine total_depth

  ! Continuity equation in flux form: dh/dt = -div(D u).
  subroutine continuity(hn, ho, d, u, v, nx, ny, dt2)
    integer, intent(in) :: nx, ny
    double precision, intent(out) :: hn(nx, ny)
    double precision, intent(in) :: ho(nx, ny), d(nx, ny)
    double precision, intent(in) :: u(0:nx, ny), v(nx, 0:ny), dt2
    double precision :: fx(0:nx, ny), fy(nx, 0:ny)
    integer :: i, j

    do j = 1, ny
      fx(0, j) = 0.0d0
      fx(nx, j) = 0.0d0
      do i = 1, nx - 1
        fx(i, j) = face_depth(d(i, j), d(i + 1, j))*u(i, j)
      end do
    end do
    do i = 1, nx
      fy(i, 0) = 0.0d0
      fy(i, ny) = 0.0d0
    end do
    do j = 1, ny - 1
      do i = 1, nx
        fy(i, j) = face_depth(d(i, j), d(i, j + 1))*v(i, j)
      end do
    end do
    do j = 1, ny
      do i = 1, nx
        hn(i, j) = ho(i, j) - dt2*((fx(i, j) - fx(i - 1, j))*rdx + (fy(i, j) - fy(i, j - 1))*rdy)
      end do
    end do
  end subroutine continuity

  ! x momentum at the interior u points (i = 1..nx-1):
  !   du/dt = -(u du/dx + vbar du/dy) + f vbar - g dh/dx + taux/(rho0 D)
  !           - r(uo, vbaro) uo + visc lap(uo)
  ! vbar is the four-point average of v around the u point; free slip at
  ! the south and north walls (mirror neighbours in the Laplacian).
  subroutine momentum_u(un, uo, u, v, vo, h, d, nx, ny, dt2)
    integer, intent(in) :: nx, ny
    double precision, intent(out) :: un(0:nx, ny)
    double precision, intent(in) :: uo(0:nx, ny), u(0:nx, ny)
    double precision, intent(in) :: v(nx, 0:ny), vo(nx, 0:ny)
    double precision, intent(in) :: h(nx, ny), d(nx, ny), dt2
    double precision :: y, vbar, vbaro, dface, r, us, un_, usc, unc, adv, tend
    integer :: i, j

    do j = 1, ny
      y = (dble(j) - 0.5d0)*dy
      do i = 1, nx - 1
        vbar = 0.25d0*(v(i, j) + v(i + 1, j) + v(i, j - 1) + v(i + 1, j - 1))
        vbaro = 0.25d0*(vo(i, j) + vo(i + 1, j) + vo(i, j - 1) + vo(i + 1, j - 1))
        dface = face_depth(d(i, j), d(i + 1, j))
        call drag_kernel(uo(i, j), vbaro, dface, r)
        ! neighbours across the walls: free slip
        if (j == 1) then
          us = uo(i, j)
          usc = u(i, j)
        else
          us = uo(i, j - 1)
          usc = u(i, j - 1)
        end if
        if (j == ny) then
          un_ = uo(i, j)
          unc = u(i, j)
        else
          un_ = uo(i, j + 1)
          unc = u(i, j + 1)
        end if
        ! momentum advection (centred, current level)
        adv = u(i, j)*(u(i + 1, j) - u(i - 1, j))*0.5d0*rdx + vbar*(unc - usc)*0.5d0*rdy
        tend = fcor(y)*vbar - grav*(h(i + 1, j) - h(i, j))*rdx + taux(y)/(rho0*dface) - adv &
               - r*uo(i, j) + visc*lap5(uo(i, j), uo(i - 1, j), uo(i + 1, j), us, un_)
        un(i, j) = uo(i, j) + dt2*tend
      end do
    end do
  end subroutine momentum_u

  ! y momentum at the interior v points (j = 1..ny-1):
  !   dv/dt = -(ubar dv/dx + v dv/dy) - f ubar - g dh/dy
  !           - r(ubaro, vo) vo + visc lap(vo)
  ! free slip at the west and east walls.
  subroutine momentum_v(vn, vo, v, u, uo, h, d, nx, ny, dt2)
    integer, intent(in) :: nx, ny
    double precision, intent(out) :: vn(nx, 0:ny)
    double precision, intent(in) :: vo(nx, 0:ny), v(nx, 0:ny)
    double precision, intent(in) :: u(0:nx, ny), uo(0:nx, ny)
    double precision, intent(in) :: h(nx, ny), d(nx, ny), dt2
    double precision :: y, ubar, ubaro, dface, r, vw, ve, vwc, vec, adv, tend
    integer :: i, j

    do j = 1, ny - 1
      y = dble(j)*dy
      do i = 1, nx
        ubar = 0.25d0*(u(i, j) + u(i - 1, j) + u(i, j + 1) + u(i - 1, j + 1))
        ubaro = 0.25d0*(uo(i, j) + uo(i - 1, j) + uo(i, j + 1) + uo(i - 1, j + 1))
        dface = face_depth(d(i, j), d(i, j + 1))
        call drag_kernel(ubaro, vo(i, j), dface, r)
        if (i == 1) then
          vw = vo(i, j)
          vwc = v(i, j)
        else
          vw = vo(i - 1, j)
          vwc = v(i - 1, j)
        end if
        if (i == nx) then
          ve = vo(i, j)
          vec = v(i, j)
        else
          ve = vo(i + 1, j)
          vec = v(i + 1, j)
        end if
        ! momentum advection (centred, current level)
        adv = ubar*(vec - vwc)*0.5d0*rdx + v(i, j)*(v(i, j + 1) - v(i, j - 1))*0.5d0*rdy
        tend = -fcor(y)*ubar - grav*(h(i, j + 1) - h(i, j))*rdy - adv &
               - r*vo(i, j) + visc*lap5(vo(i, j), vw, ve, vo(i, j - 1), vo(i, j + 1))
        vn(i, j) = vo(i, j) + dt2*tend
      end do
    end do
  end subroutine momentum_v

  ! No normal flow through the walls.
  subroutine apply_bc(u, v, nx, ny)
    integer, intent(in) :: nx, ny
    double precision, intent(inout) :: u(0:nx, ny), v(nx, 0:ny)
    integer :: i, j
    do j = 1, ny
      u(0, j) = 0.0d0
      u(nx, j) = 0.0d0
    end do
    do i = 1, nx
      v(i, 0) = 0.0d0
      v(i, ny) = 0.0d0
    end do
  end subroutine apply_bc

  ! Robert-Asselin filter of the current level, then the time-level shift:
  !   xo <- x + filt*(xo - 2 x + xn),   x <- xn
  ! for a field with bounds (i0:i1, j0:j1).
  subroutine time_filter(xo, x, xn, i0, i1, j0, j1, filt)
    integer, intent(in) :: i0, i1, j0, j1
    double precision, intent(inout) :: xo(i0:i1, j0:j1), x(i0:i1, j0:j1)
    double precision, intent(in) :: xn(i0:i1, j0:j1), filt
    integer :: i, j
    do j = j0, j1
      do i = i0, i1
        xo(i, j) = x(i, j) + filt*(xo(i, j) - 2.0d0*x(i, j) + xn(i, j))
        x(i, j) = xn(i, j)
      end do
    end do
  end subroutine time_filter

end module sw_physics
