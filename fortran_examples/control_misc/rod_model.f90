! Head of the control_misc example: steady heat flow through a composite
! rod with a convective-radiative surface.
!
! Head: rod_cost(c, nc, hconv, f)
!   c(nc)   Legendre coefficients of the temperature profile (control)
!   hconv   surface heat-transfer coefficient (control)
!   f       cost: misfit of the surface temperature (found by a Newton
!           iteration in a DO WHILE loop) to a target, heat content, a
!           source integral, a conductivity-weighted sample of the profile
!           and a smoothness penalty on the coefficients
! The rod is made of nseg segments; a void segment (material 0) is a gap
! of fixed resistance, skipped by CYCLE; segments beyond the rod length
! end the walk by EXIT.  The walk over the segments and the penalty are
! internal procedures (CONTAINS); the walk uses the head's variables.  A
! statement function gives the radiative exchange.
module rod_model
  use rod_funcs
  implicit none
  integer, parameter :: nseg = 7
  integer, parameter :: msamp = 41

contains

  subroutine rod_cost(c, nc, hconv, f)
    integer, intent(in) :: nc
    real(dp), intent(in) :: c(nc)
    real(dp), intent(in) :: hconv
    real(dp), intent(out) :: f
    real(dp), parameter :: zlen = 1.0_dp, rgap = 0.05_dp
    real(dp), parameter :: tair = 0.6_dp, tgt = 1.05_dp
    real(dp) :: zb(0:nseg)
    integer :: mats(nseg)
    real(dp) :: rseg(nseg), eseg(nseg)
    real(dp) :: zs(msamp), tz(msamp), tsh(msamp), kz(msamp), wk(ncmax)
    integer :: mz(msamp)
    real(dp) :: rtot, etot, src, qin, ts, g, gp, dts, t0, t1, pen, pw, samp
    real(dp) :: x1, x2, radflux
    integer :: i, k, nit, nused
    ! statement function: net radiative exchange between temperatures
    radflux(x1, x2) = 0.3_dp*(x1**4 - x2**4)

    ! segment layout (passive): boundaries beyond zlen are not used
    zb = (/ 0.0_dp, 0.12_dp, 0.30_dp, 0.34_dp, 0.55_dp, 0.78_dp, 1.0_dp, 1.2_dp /)
    mats = (/ 1, 2, 0, 4, 3, 6, 5 /)
    do i = 1, msamp
      zs(i) = real(i - 1, dp)/real(msamp - 1, dp)
    end do
    mz = -1
    rseg = 0.0_dp
    eseg = 0.0_dp

    call walk_segments(nused)
    rtot = sum(rseg(1:nused))
    etot = sum(eseg(1:nused))

    ! source integral over the whole rod (keyword arguments, default tol)
    call integrate(0.0_dp, zlen, c=c, nc=nc, mat=0, ikind=3, q=src, maxdepth=8)

    ! elemental functions on arrays: conductivity of every sample point
    ! (material code -1 outside every segment gives the default law)
    ! (the shifted temperatures go through an array: fadj gave the
    ! adjoint of softplus(tz - 1.0_dp, ...) a scalar dummy adjoint)
    kz = conductivity(tz, mz)
    tsh = tz - 1.0_dp
    samp = sum(softplus(tsh, 0.2_dp)/kz)/real(msamp, dp)

    ! heat reaching the surface through the rod and its surface film
    t0 = profile(0.0_dp, c, nc)
    t1 = profile(zlen, c, nc)
    qin = (t0 - tair)/(rtot + 1.0_dp/hconv) + 0.1_dp*(t1 - tair)

    ! surface temperature: hconv*(ts - tair) + radflux(ts, tair) = qin,
    ! Newton in a DO WHILE with EXIT on convergence
    ts = tair + 0.5_dp
    nit = 0
    do while (nit < 50)
      nit = nit + 1
      g = hconv*(ts - tair) + radflux(ts, tair) - qin
      gp = hconv + 1.2_dp*ts**3
      dts = g/gp
      ts = ts - dts
      if (abs(dts) <= 1.0e-15_dp*abs(ts)) exit
    end do

    ! penalty on the coefficients: unweighted and weighted (optional
    ! argument of an internal function)
    do k = 1, ncmax
      wk(k) = 1.0_dp/real(k, dp)
    end do
    call smoothness(c, pen)
    call smoothness(c, pw, w=wk)
    pen = pen + 0.5_dp*pw

    f = (ts - tgt)**2 + 0.05_dp*etot + 0.2_dp*src + 0.1_dp*samp + 1.0e-3_dp*pen

  contains

    ! walk along the segments: resistance and heat content of each, and
    ! the profile at the sample points inside it; uses the host's c, nc,
    ! zb, mats, rseg, eseg, zs, tz, mz
    subroutine walk_segments(nused)
      integer, intent(out) :: nused
      real(dp) :: a, b
      integer :: iseg, j

      nused = 0
      segs: do iseg = 1, nseg
        a = zb(iseg - 1)
        b = min(zb(iseg), zlen)
        if (a >= zlen) exit segs
        nused = iseg
        if (mats(iseg) == 0) then
          ! air gap: fixed resistance, no heat content, samples keep the
          ! default material
          rseg(iseg) = rgap
          eseg(iseg) = 0.0_dp
          pts0: do j = 1, msamp
            if (zs(j) < a) cycle pts0
            if (zs(j) > b) cycle segs
            tz(j) = profile(zs(j), c, nc)
          end do pts0
          cycle segs
        end if
        call integrate(a, b, c, nc, mats(iseg), 1, rseg(iseg), tol=1.0e-9_dp, maxdepth=10)
        call integrate(a, b, c, nc, mats(iseg), ikind=2, q=eseg(iseg), method='trapezoid', npts=17)
        pts: do j = 1, msamp
          if (zs(j) < a) cycle pts
          if (zs(j) > b) cycle segs
          mz(j) = mats(iseg)
          tz(j) = profile(zs(j), c, nc)
        end do pts
      end do segs
    end subroutine walk_segments

    ! smoothness of the profile: p = sum of ((k-1)*cc(k))**2 for k >= 2,
    ! optionally weighted.  (A subroutine with cc as an argument, not a
    ! function using the host's c: with an OPTIONAL argument, fadj passed
    ! the lifted host variables, and a function's result adjoint, in the
    ! optional argument's place.)
    subroutine smoothness(cc, p, w)
      real(dp), intent(in) :: cc(:)
      real(dp), intent(out) :: p
      real(dp), intent(in), optional :: w(:)
      integer :: kk

      p = 0.0_dp
      do kk = 2, size(cc)
        if (present(w)) then
          p = p + w(kk)*(real(kk - 1, dp)*cc(kk))**2
        else
          p = p + (real(kk - 1, dp)*cc(kk))**2
        end if
      end do
    end subroutine smoothness

  end subroutine rod_cost

end module rod_model
