! Array kernels of the alloc_where example: a 2-D periodic
! advection-diffusion-reaction solver for a tracer concentration q on an
! nx x ny grid (finite volumes, MUSCL reconstruction, donor-cell upwinding).
!
! Everything works on assumed-shape dummies with whole-array expressions;
! periodic neighbours come from cshift, the upwind choice and the source
! switches from WHERE/ELSEWHERE, the diffusion from matmul with periodic
! second-difference matrices, the face work arrays are ALLOCATABLE and
! allocated/deallocated inside the kernels, the slope work arrays are
! automatic.
module claw_ops
  implicit none
  integer, parameter :: wp = kind(1.0d0)

contains

  ! van Albada limited slope of q along dimension idim (periodic):
  ! smooth in the data, close to zero at extrema, close to the central
  ! difference where q is smooth
  subroutine limited_slope(q, idim, s)
    real(wp), intent(in) :: q(:, :)
    integer, intent(in) :: idim
    real(wp), intent(out) :: s(:, :)
    real(wp), parameter :: eps = 1.0e-6_wp
    real(wp) :: dl(size(q, 1), size(q, 2)), dr(size(q, 1), size(q, 2))

    ! neighbours into dl/dr first: fadj gave a wrong adjoint for
    ! 'q - cshift(q, -1, idim)' (the shifted and the plain term of the same
    ! array in one expression)
    dl = cshift(q, -1, idim)
    dr = cshift(q, 1, idim)
    dl = q - dl
    dr = dr - q
    s = ((dr**2 + eps)*dl + (dl**2 + eps)*dr)/(dl**2 + dr**2 + 2.0_wp*eps)
  end subroutine limited_slope

  ! periodic second-difference matrix of order m, scaled by 1/h**2
  subroutine laplace_matrix(d, m, h)
    integer, intent(in) :: m
    real(wp), intent(out) :: d(m, m)
    real(wp), intent(in) :: h
    integer :: i

    d = 0.0_wp
    do i = 1, m
      d(i, i) = -2.0_wp
      d(i, modulo(i, m) + 1) = 1.0_wp
      d(i, modulo(i - 2, m) + 1) = 1.0_wp
    end do
    d = d/h**2
  end subroutine laplace_matrix

  ! advective tendency -div(u q) with upwind fluxes of MUSCL states.
  ! uf(i,j): velocity through the east face of cell (i,j); vf(i,j):
  ! through its north face (both passive, never zero at a face)
  subroutine advection(q, uf, vf, dx, dy, r)
    real(wp), intent(in) :: q(:, :), uf(:, :), vf(:, :)
    real(wp), intent(in) :: dx, dy
    real(wp), intent(inout) :: r(:, :)
    real(wp), allocatable :: s(:, :), qm(:, :), qp(:, :), flx(:, :), fw(:, :)
    integer :: nx, ny

    nx = size(q, 1)
    ny = size(q, 2)
    allocate(s(nx, ny), qm(nx, ny), qp(nx, ny), flx(nx, ny), fw(nx, ny))

    ! x direction: state left of the east face (cell i) and right of it
    ! (cell i+1, periodic)
    call limited_slope(q, 1, s)
    qm = q + 0.5_wp*s
    qp = cshift(q - 0.5_wp*s, 1, dim=1)
    where (uf > 0.0_wp)
      flx = uf*qm
    elsewhere
      flx = uf*qp
    end where
    fw = cshift(flx, -1, dim=1)
    r = r - (flx - fw)/dx

    ! y direction
    call limited_slope(q, 2, s)
    qm = q + 0.5_wp*s
    qp = cshift(q - 0.5_wp*s, 1, dim=2)
    where (vf > 0.0_wp)
      flx = vf*qm
    elsewhere
      flx = vf*qp
    end where
    fw = cshift(flx, -1, dim=2)
    r = r - (flx - fw)/dy

    deallocate(s, qm, qp, flx, fw)
  end subroutine advection

  ! diffusive tendency kappa*(Dxx q + q Dyy^T) with matrix products
  subroutine diffusion(q, dxx, dyy, kappa, r)
    real(wp), intent(in) :: q(:, :), dxx(:, :), dyy(:, :)
    real(wp), intent(in) :: kappa
    real(wp), intent(inout) :: r(:, :)

    r = r + kappa*(matmul(dxx, q) + matmul(q, transpose(dyy)))
  end subroutine diffusion

  ! reaction: a passive production profile and a quadratic consumption
  ! above the threshold qc (the switch is C1: both branches vanish with
  ! zero slope at q = qc)
  subroutine reaction(q, prod, srate, qc, r)
    real(wp), intent(in) :: q(:, :), prod(:, :)
    real(wp), intent(in) :: srate, qc
    real(wp), intent(inout) :: r(:, :)
    real(wp) :: sink(size(q, 1), size(q, 2))

    where (q > qc)
      sink = srate*(q - qc)**2
    elsewhere
      sink = 0.0_wp
    end where
    r = r + srate*prod - sink
  end subroutine reaction

  ! positivity fix: values below qlo are lifted smoothly (C1 cubic
  ! blend), negative values are set to the floor 0.25*qlo
  subroutine positivity_fix(q, qlo)
    real(wp), intent(inout) :: q(:, :)
    real(wp), intent(in) :: qlo
    real(wp), allocatable :: t(:, :)

    allocate(t(size(q, 1), size(q, 2)))
    t = q/qlo
    where (q >= qlo)
      t = q
    elsewhere (q >= 0.0_wp)
      t = qlo*(0.25_wp + 1.25_wp*t**2 - 0.5_wp*t**3)
    elsewhere
      t = 0.25_wp*qlo
    end where
    q = t
    deallocate(t)
  end subroutine positivity_fix

  ! smoothed total variation of q along x with wall (non-periodic)
  ! differences: eoshift brings the east neighbour in, the last column
  ! gets its own value back (zero difference at the wall)
  function tv_penalty(q, delta) result(tv)
    real(wp), intent(in) :: q(:, :)
    real(wp), intent(in) :: delta
    real(wp) :: tv
    real(wp), allocatable :: dq(:, :)
    integer :: m

    m = size(q, 1)
    allocate(dq(m, size(q, 2)))
    dq = eoshift(q, 1, dim=1)
    dq(m, :) = q(m, :)
    dq = dq - q
    tv = sum(sqrt(dq**2 + delta**2)) - delta*real(size(dq), wp)
    deallocate(dq)
  end function tv_penalty

  ! weighted misfit of a strided sample of q: the sample is packed into a
  ! vector with reshape and weighted with dot_product
  function sample_misfit(q, qobs, w) result(fm)
    real(wp), intent(in) :: q(:, :), qobs(:, :), w(:)
    real(wp) :: fm
    real(wp), allocatable :: v(:)

    allocate(v(size(qobs)))
    v = reshape(q(1:size(q, 1):2, 1:size(q, 2):2), (/ size(qobs) /))
    v = v - reshape(qobs, (/ size(qobs) /))
    fm = dot_product(w, v**2)
    deallocate(v)
  end function sample_misfit

end module claw_ops
