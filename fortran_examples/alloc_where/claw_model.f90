! Driver-facing part of the alloc_where example.
!
! Head: claw_run(q0, nx, ny, kappa, srate, cost)
!   q0(nx,ny)  initial tracer concentration (control)
!   kappa      diffusivity (control)
!   srate      reaction rate (control)
!   cost       misfit against observations on a coarse (strided) grid,
!              misfit of the column means, a mirror-symmetry penalty
!              (negative-stride sections), the peak value (maxval) and
!              the mass change
! A divergence-free, passive velocity field comes from a stream function;
! the tracer is advanced by nstep Heun (RK2) steps.
module claw_model
  use claw_ops
  implicit none

contains

  ! right-hand side of dq/dt = -div(u q) + kappa lap q + srate*prod - sink
  subroutine tendency(q, uf, vf, dxx, dyy, prod, dx, dy, kappa, srate, r)
    real(wp), intent(in) :: q(:, :), uf(:, :), vf(:, :), dxx(:, :), dyy(:, :), prod(:, :)
    real(wp), intent(in) :: dx, dy, kappa, srate
    real(wp), intent(out) :: r(:, :)

    r = 0.0_wp
    call advection(q, uf, vf, dx, dy, r)
    call diffusion(q, dxx, dyy, kappa, r)
    call reaction(q, prod, srate, 0.9_wp, r)
  end subroutine tendency

  ! one Heun step, in place; the stage arrays are allocated per step
  subroutine heun_step(q, uf, vf, dxx, dyy, prod, dx, dy, dt, kappa, srate)
    real(wp), intent(inout) :: q(:, :)
    real(wp), intent(in) :: uf(:, :), vf(:, :), dxx(:, :), dyy(:, :), prod(:, :)
    real(wp), intent(in) :: dx, dy, dt, kappa, srate
    real(wp), allocatable :: q1(:, :), r0(:, :), r1(:, :)

    allocate(q1(size(q, 1), size(q, 2)), r0(size(q, 1), size(q, 2)))
    allocate(r1, mold=q1)
    call tendency(q, uf, vf, dxx, dyy, prod, dx, dy, kappa, srate, r0)
    q1 = q + dt*r0
    call tendency(q1, uf, vf, dxx, dyy, prod, dx, dy, kappa, srate, r1)
    q = q + 0.5_wp*dt*(r0 + r1)
    call positivity_fix(q, 0.05_wp)
    deallocate(q1, r0, r1)
  end subroutine heun_step

  ! passive velocity at the faces from the stream function
  ! psi = a sin(2 pi x) sin(2 pi y) + b y  (plus a uniform drift in x);
  ! u = dpsi/dy, v = -dpsi/dx by differences of psi at the cell corners
  subroutine face_velocities(nx, ny, uf, vf)
    integer, intent(in) :: nx, ny
    real(wp), intent(out) :: uf(nx, ny), vf(nx, ny)
    real(wp), allocatable :: psi(:, :)
    real(wp) :: pi, x, y
    integer :: i, j

    pi = 4.0_wp*atan(1.0_wp)
    allocate(psi(nx, ny))
    ! psi(i,j) at the north-east corner of cell (i,j)
    do j = 1, ny
      do i = 1, nx
        x = real(i, wp)/real(nx, wp)
        y = real(j, wp)/real(ny, wp)
        psi(i, j) = 0.08_wp*sin(2.0_wp*pi*x)*sin(2.0_wp*pi*y + 0.4_wp) + 0.031_wp*y
      end do
    end do
    ! through the east face: psi(corner NE) - psi(corner SE), over dy
    uf = (psi - cshift(psi, -1, dim=2))*real(ny, wp)
    ! through the north face: -(psi(NE) - psi(NW)), over dx
    vf = -(psi - cshift(psi, -1, dim=1))*real(nx, wp) + 0.013_wp
    deallocate(psi)
  end subroutine face_velocities

  ! the head
  subroutine claw_run(q0, nx, ny, kappa, srate, cost)
    integer, intent(in) :: nx, ny
    real(wp), intent(in) :: q0(nx, ny)
    real(wp), intent(in) :: kappa, srate
    real(wp), intent(out) :: cost
    integer, parameter :: nstep = 24
    real(wp), allocatable :: q(:, :), uf(:, :), vf(:, :), dxx(:, :), dyy(:, :)
    real(wp), allocatable :: prod(:, :), qobs(:, :), colm(:), cref(:), wobs(:)
    real(wp) :: px(nx), py(ny)
    real(wp) :: dx, dy, dt, pi, mass0, mass1, umax
    integer :: i, j, it

    pi = 4.0_wp*atan(1.0_wp)
    dx = 1.0_wp/real(nx, wp)
    dy = 1.0_wp/real(ny, wp)
    allocate(q(nx, ny), uf(nx, ny), vf(nx, ny), dxx(nx, nx), dyy(ny, ny), prod(nx, ny))
    call face_velocities(nx, ny, uf, vf)
    call laplace_matrix(dxx, nx, dx)
    call laplace_matrix(dyy, ny, dy)

    ! production profile: outer product of two passive 1-D profiles
    px = (/ (exp(-((real(i, wp) - 0.5_wp)/real(nx, wp) - 0.3_wp)**2/0.02_wp), i = 1, nx) /)
    py = (/ (1.0_wp + 0.5_wp*cos(2.0_wp*pi*(real(j, wp) - 0.5_wp)/real(ny, wp)), j = 1, ny) /)
    prod = spread(px, dim=2, ncopies=ny)*spread(py, dim=1, ncopies=nx)

    ! passive time step from the CFL number of the fastest face velocity
    umax = max(maxval(abs(uf))/dx, maxval(abs(vf))/dy)
    dt = 0.4_wp/umax

    q = q0
    mass0 = sum(q)*dx*dy
    do it = 1, nstep
      call heun_step(q, uf, vf, dxx, dyy, prod, dx, dy, dt, kappa, srate)
    end do
    mass1 = sum(q)*dx*dy

    ! observations on every second cell in each direction
    allocate(qobs((nx + 1)/2, (ny + 1)/2))
    do j = 1, size(qobs, 2)
      do i = 1, size(qobs, 1)
        qobs(i, j) = 0.6_wp + 0.2_wp*sin(2.0_wp*pi*real(2*i - 1, wp)*dx) &
                     *cos(2.0_wp*pi*real(2*j - 1, wp)*dy)
      end do
    end do
    ! observation weights: halved on the sampled cells of the first column
    ! (i = 1: every size(qobs,1)-th element of the packed sample)
    allocate(wobs(size(qobs)))
    wobs = 4.0_wp*dx*dy
    wobs(1:size(qobs):size(qobs, 1)) = 2.0_wp*dx*dy
    cost = sample_misfit(q, qobs, wobs)

    ! column means against a reference profile
    allocate(colm(nx), cref(nx))
    colm = sum(q, dim=2)/real(ny, wp)
    cref = 0.6_wp + 0.1_wp*cos(2.0_wp*pi*(/ (real(i, wp), i = 1, nx) /)*dx)
    cost = cost + dot_product(colm - cref, colm - cref)*dx

    ! mirror penalty between row 2 read forwards and backwards (strides 3)
    cost = cost + 0.01_wp*sum(q(nx:1:-3, 2)*q(1:nx:3, 2))*dx
    ! peak value, mass change and total variation
    cost = cost + 0.02_wp*maxval(q) + 0.5_wp*(mass1 - mass0)**2
    cost = cost + 0.002_wp*tv_penalty(q, 0.05_wp)*dy

    deallocate(q, uf, vf, dxx, dyy, prod, qobs, colm, cref, wobs)
  end subroutine claw_run

end module claw_model
