! Least-squares residual of a nonlinear diffusion-reaction problem discretised
! with P1 finite elements on an unstructured triangle mesh:
!
!   -div( k(u, grad u) grad u ) + u**3 = s,
!   k = exp(beta*u) * (eps + |grad u|**2)**((p-2)/2)   (p-Laplacian, p = 2.5)
!
! Element residuals are computed from node values gathered through the
! connectivity elem(3, nelem) and scattered (accumulated) into the nodal
! residual r; the cost is the valence-weighted sum of squares
!
!   f = 1/2 * sum_k r(k)**2 / nval(k).
!
! Head: mesh_cost, independent u(nnode), dependent f.  The geometry and the
! node valences come from the passive routines in mesh_geometry.f90.

subroutine mesh_cost(u, nnode, elem, nelem, nx, ny, f)
  implicit none
  integer, intent(in) :: nnode, nelem, nx, ny
  double precision, intent(in) :: u(nnode)
  integer, intent(in) :: elem(3, nelem)
  double precision, intent(out) :: f
  double precision :: area(nelem), bx(3, nelem), by(3, nelem), src(nelem)
  double precision :: r(nnode), wt
  integer :: nval(nnode)
  integer :: k

  call mesh_geometry(elem, nelem, nx, ny, area, bx, by, src)
  call node_valence(elem, nelem, nnode, nval)
  call assemble_residual(u, nnode, elem, nelem, area, bx, by, src, r)
  f = 0.0d0
  do k = 1, nnode
    wt = 1.0d0/dble(max(nval(k), 1))     ! passive: from integer data only
    f = f + 0.5d0*wt*r(k)**2
  end do
end subroutine mesh_cost

! Gather - element flux - scatter loop.
subroutine assemble_residual(u, nnode, elem, nelem, area, bx, by, src, r)
  implicit none
  integer, intent(in) :: nnode, nelem
  double precision, intent(in) :: u(nnode)
  integer, intent(in) :: elem(3, nelem)
  double precision, intent(in) :: area(nelem), bx(3, nelem), by(3, nelem)
  double precision, intent(in) :: src(nelem)
  double precision, intent(out) :: r(nnode)
  double precision, parameter :: beta = 0.3d0, eps = 1.0d-2, pexp = 2.5d0
  double precision :: u1, u2, u3, uc, uk, gx, gy, kap, flux
  integer :: e, k

  do k = 1, nnode
    r(k) = 0.0d0
  end do
  do e = 1, nelem
    ! gather
    u1 = u(elem(1, e))
    u2 = u(elem(2, e))
    u3 = u(elem(3, e))
    ! constant gradient and centroid value on the triangle
    gx = u1*bx(1, e) + u2*bx(2, e) + u3*bx(3, e)
    gy = u1*by(1, e) + u2*by(2, e) + u3*by(3, e)
    uc = (u1 + u2 + u3)/3.0d0
    kap = exp(beta*uc)*(eps + gx*gx + gy*gy)**(0.5d0*(pexp - 2.0d0))
    ! scatter: each node of the triangle accumulates its share
    do k = 1, 3
      uk = u(elem(k, e))
      flux = area(e)*kap*(gx*bx(k, e) + gy*by(k, e))
      r(elem(k, e)) = r(elem(k, e)) + flux + area(e)/3.0d0*(uk**3 - src(e))
    end do
  end do
end subroutine assemble_residual
