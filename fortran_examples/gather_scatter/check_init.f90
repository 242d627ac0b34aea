! Inputs of mesh_cost for `fadj check` (see fadj.toml, [check]): the check driver
! sizes the arrays from --size nnode=... nelem=..., fills u with pseudo-random
! values, then calls this routine, which builds the connectivity of the
! structured triangulation of driver.f90 (nx = 6, ny = 5: nnode = 42, nelem = 60;
! diagonals alternate in a checkerboard pattern).  u and f are left as they are.
subroutine mesh_check_init(u, nnode, elem, nelem, nx, ny, f)
  implicit none
  integer, intent(in) :: nnode, nelem
  integer, intent(out) :: nx, ny
  double precision, intent(inout) :: u(nnode), f
  integer, intent(out) :: elem(3, nelem)
  integer :: i, j, e, n00, n10, n01, n11

  nx = 6
  ny = 5
  if (nnode /= (nx + 1)*(ny + 1) .or. nelem /= 2*nx*ny) then
    write(*, '(a, 2i6)') 'mesh_check_init: expects nnode, nelem = ', (nx + 1)*(ny + 1), 2*nx*ny
    stop 2
  end if
  e = 0
  do j = 0, ny - 1
    do i = 0, nx - 1
      n00 = j*(nx + 1) + i + 1
      n10 = n00 + 1
      n01 = n00 + nx + 1
      n11 = n01 + 1
      if (mod(i + j, 2) == 0) then
        elem(:, e + 1) = (/ n00, n10, n11 /)
        elem(:, e + 2) = (/ n00, n11, n01 /)
      else
        elem(:, e + 1) = (/ n00, n10, n01 /)
        elem(:, e + 2) = (/ n10, n11, n01 /)
      end if
      e = e + 2
    end do
  end do
end subroutine mesh_check_init
