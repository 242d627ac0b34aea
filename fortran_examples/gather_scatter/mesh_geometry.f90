! Passive mesh routines: everything they compute depends on integer data only
! (the connectivity and the grid size), so they must get no derivative code.
!
! The mesh is a triangulation of the unit square built on an (nx+1) x (ny+1)
! grid of nodes numbered row by row: node k sits at grid point (i, j) with
! k = j*(nx+1) + i + 1, coordinates (i/nx, j/ny).

! Area, P1 shape-function gradients (bx, by) and a manufactured source term
! at the centroid of every triangle.
subroutine mesh_geometry(elem, nelem, nx, ny, area, bx, by, src)
  implicit none
  integer, intent(in) :: nelem, nx, ny
  integer, intent(in) :: elem(3, nelem)
  double precision, intent(out) :: area(nelem), bx(3, nelem), by(3, nelem)
  double precision, intent(out) :: src(nelem)
  double precision :: xv(3), yv(3), det, xc, yc, pi
  integer :: e, k, node

  pi = 4.0d0*atan(1.0d0)
  do e = 1, nelem
    do k = 1, 3
      node = elem(k, e)
      xv(k) = dble(mod(node - 1, nx + 1))/dble(nx)
      yv(k) = dble((node - 1)/(nx + 1))/dble(ny)
    end do
    det = (xv(2) - xv(1))*(yv(3) - yv(1)) - (xv(3) - xv(1))*(yv(2) - yv(1))
    area(e) = 0.5d0*abs(det)
    bx(1, e) = (yv(2) - yv(3))/det
    bx(2, e) = (yv(3) - yv(1))/det
    bx(3, e) = (yv(1) - yv(2))/det
    by(1, e) = (xv(3) - xv(2))/det
    by(2, e) = (xv(1) - xv(3))/det
    by(3, e) = (xv(2) - xv(1))/det
    xc = (xv(1) + xv(2) + xv(3))/3.0d0
    yc = (yv(1) + yv(2) + yv(3))/3.0d0
    src(e) = 2.0d0*pi*pi*sin(pi*xc)*sin(pi*yc)
  end do
end subroutine mesh_geometry

! Mesh statistics: number of triangles sharing each node (integers only).
subroutine node_valence(elem, nelem, nnode, nval)
  implicit none
  integer, intent(in) :: nelem, nnode
  integer, intent(in) :: elem(3, nelem)
  integer, intent(out) :: nval(nnode)
  integer :: e, k

  do k = 1, nnode
    nval(k) = 0
  end do
  do e = 1, nelem
    do k = 1, 3
      nval(elem(k, e)) = nval(elem(k, e)) + 1
    end do
  end do
end subroutine node_valence
