! Operators of the adr2d example: halo filling and the three parts of the
! right-hand side r = -div(u c) + div(K(c) grad c) + reaction + source,
! each a loop over faces or cells calling a point kernel.
module adr_ops
  use adr_grid
  implicit none

contains

  ! ---------------------------------------------------------------- kernels

  ! first-order upwind flux through a face with velocity vel (passive)
  double precision function upwind(vel, cl, cr)
    double precision, intent(in) :: vel, cl, cr
    upwind = max(vel, 0.0d0)*cl + min(vel, 0.0d0)*cr
  end function upwind

  ! concentration-dependent diffusivity
  double precision function kdiff(c)
    double precision, intent(in) :: c
    kdiff = k0*(1.0d0 + kalpha*c*c)
  end function kdiff

  ! diffusive flux between two cells at distance 1/rd
  subroutine dflux(cl, cr, rd, f)
    double precision, intent(in) :: cl, cr, rd
    double precision, intent(out) :: f
    f = 0.5d0*(kdiff(cl) + kdiff(cr))*(cr - cl)*rd
  end subroutine dflux

  ! logistic growth minus Holling type III predation, plus a source:
  ! the reaction rate of one cell is added to r
  subroutine reaction_kernel(c, qsrc, r)
    double precision, intent(in) :: c, qsrc
    double precision, intent(inout) :: r
    double precision :: grow, pred
    grow = rgrow*c*(1.0d0 - c/kcap)
    pred = graze*c*c/(hsat*hsat + c*c)
    r = r + grow - pred + qsrc
  end subroutine reaction_kernel

  ! -------------------------------------------------------------- operators

  ! ghost cells: inflow profile (west), zero gradient (east), periodic (y)
  subroutine fill_halo(c, cin, nx, ny)
    integer, intent(in) :: nx, ny
    double precision, intent(inout) :: c(0:nx + 1, 0:ny + 1)
    double precision, intent(in) :: cin(ny)
    integer :: i, j
    do j = 1, ny
      c(0, j) = cin(j)
      c(nx + 1, j) = c(nx, j)
    end do
    do i = 0, nx + 1
      c(i, 0) = c(i, ny)
      c(i, ny + 1) = c(i, 1)
    end do
  end subroutine fill_halo

  ! r = -div(u c), first-order upwind, conservative
  subroutine adv_rhs(c, u, v, r, nx, ny)
    integer, intent(in) :: nx, ny
    double precision, intent(in) :: c(0:nx + 1, 0:ny + 1)
    double precision, intent(in) :: u(0:nx, ny), v(nx, 0:ny)
    double precision, intent(out) :: r(nx, ny)
    double precision :: fx(0:nx, ny), fy(nx, 0:ny)
    integer :: i, j
    do j = 1, ny
      do i = 0, nx
        fx(i, j) = upwind(u(i, j), c(i, j), c(i + 1, j))
      end do
    end do
    do j = 0, ny
      do i = 1, nx
        fy(i, j) = upwind(v(i, j), c(i, j), c(i, j + 1))
      end do
    end do
    do j = 1, ny
      do i = 1, nx
        r(i, j) = -(fx(i, j) - fx(i - 1, j))*rdx - (fy(i, j) - fy(i, j - 1))*rdy
      end do
    end do
  end subroutine adv_rhs

  ! r = r + div(K(c) grad c); no diffusive flux through the west and east
  ! boundaries
  subroutine dif_rhs(c, r, nx, ny)
    integer, intent(in) :: nx, ny
    double precision, intent(in) :: c(0:nx + 1, 0:ny + 1)
    double precision, intent(inout) :: r(nx, ny)
    double precision :: gx(0:nx, ny), gy(nx, 0:ny)
    integer :: i, j
    do j = 1, ny
      gx(0, j) = 0.0d0
      gx(nx, j) = 0.0d0
      do i = 1, nx - 1
        call dflux(c(i, j), c(i + 1, j), rdx, gx(i, j))
      end do
    end do
    do j = 0, ny
      do i = 1, nx
        call dflux(c(i, j), c(i, j + 1), rdy, gy(i, j))
      end do
    end do
    do j = 1, ny
      do i = 1, nx
        r(i, j) = r(i, j) + (gx(i, j) - gx(i - 1, j))*rdx + (gy(i, j) - gy(i, j - 1))*rdy
      end do
    end do
  end subroutine dif_rhs

  ! r = r + reaction(c) + q
  subroutine rea_rhs(c, q, r, nx, ny)
    integer, intent(in) :: nx, ny
    double precision, intent(in) :: c(0:nx + 1, 0:ny + 1), q(nx, ny)
    double precision, intent(inout) :: r(nx, ny)
    integer :: i, j
    do j = 1, ny
      do i = 1, nx
        call reaction_kernel(c(i, j), q(i, j), r(i, j))
      end do
    end do
  end subroutine rea_rhs

end module adr_ops
