! Building blocks of the control_misc example: a composite rod made of
! segments of different materials, with a temperature profile given by
! Legendre coefficients.  Thermal resistance and heat content are
! integrals along the rod, computed by recursive adaptive Simpson
! quadrature.
!
! Constructs: PURE and ELEMENTAL functions with RESULT clauses, SELECT
! CASE (integer ranges, lists, default, character), a RECURSIVE function,
! OPTIONAL arguments tested with PRESENT, DO WHILE with EXIT, a named DO
! with CYCLE.
module rod_funcs
  implicit none
  integer, parameter :: dp = kind(1.0d0)
  integer, parameter :: ncmax = 12

contains

  ! temperature profile on z in [0, 1]:
  !   T(z) = t0 + sum_k c(k) P_{k-1}(2z - 1)
  ! Legendre polynomials by the three-term recurrence (DO WHILE)
  pure function profile(z, c, nc) result(t)
    real(dp), intent(in) :: z
    integer, intent(in) :: nc
    real(dp), intent(in) :: c(nc)
    real(dp) :: t
    real(dp), parameter :: t0 = 1.0_dp
    real(dp) :: s, p0, p1, p2
    integer :: k

    s = 2.0_dp*z - 1.0_dp
    t = t0 + c(1)
    if (nc < 2) return
    p0 = 1.0_dp
    p1 = s
    t = t + c(2)*p1
    k = 2
    do while (k < nc)
      p2 = (real(2*k - 1, dp)*s*p1 - real(k - 1, dp)*p0)/real(k, dp)
      t = t + c(k + 1)*p2
      p0 = p1
      p1 = p2
      k = k + 1
    end do
  end function profile

  ! conductivity law of material mat at temperature t (elemental: applied
  ! to arrays of temperatures and material codes)
  elemental function conductivity(t, mat) result(k)
    real(dp), intent(in) :: t
    integer, intent(in) :: mat
    real(dp) :: k

    select case (mat)
    case (1)                         ! metal: linear law
      k = 2.0_dp*(1.0_dp + 0.15_dp*t)
    case (2, 3)                      ! ceramics: phonon law, two grades
      k = (1.2_dp + 0.3_dp*real(mat - 2, dp))/(1.0_dp + 0.4_dp*t)
    case (4:6)                       ! composites: exponential law
      k = 0.6_dp*exp(0.25_dp*t) + 0.05_dp*real(mat, dp)
    case default                     ! unknown: constant
      k = 1.0_dp
    end select
  end function conductivity

  ! smooth positive part: w*log(1 + exp(a/w))
  elemental function softplus(a, w) result(r)
    real(dp), intent(in) :: a, w
    real(dp) :: r
    r = w*log(1.0_dp + exp(a/w))
  end function softplus

  ! integrands along the rod, chosen by ikind:
  !   1: thermal resistance density 1/k(T(z)) of material mat
  !   2: heat content density rho*cp*T with cp = 1 + 0.1*T
  !   3: source weighted by the positive part of T - 1.2
  function integrand(z, c, nc, mat, ikind) result(g)
    real(dp), intent(in) :: z
    integer, intent(in) :: nc, mat, ikind
    real(dp), intent(in) :: c(nc)
    real(dp) :: g, t

    t = profile(z, c, nc)
    select case (ikind)
    case (1)
      g = 1.0_dp/conductivity(t, mat)
    case (2)
      g = t*(1.0_dp + 0.1_dp*t)
    case default
      g = softplus(t - 1.2_dp, 0.1_dp)*sin(3.0_dp*z + 0.2_dp)
    end select
  end function integrand

  ! adaptive Simpson on [a, b] given the end and mid values and the
  ! Simpson estimate 'whole' of the interval; recursion depth limited
  recursive function asimp(a, b, fa, fm, fb, whole, tol, depth, c, nc, mat, ikind) result(s)
    real(dp), intent(in) :: a, b, fa, fm, fb, whole, tol
    integer, intent(in) :: depth, nc, mat, ikind
    real(dp), intent(in) :: c(nc)
    real(dp) :: s
    real(dp) :: m, lm, rm, flm, frm, left, right, delta

    m = 0.5_dp*(a + b)
    lm = 0.5_dp*(a + m)
    rm = 0.5_dp*(m + b)
    flm = integrand(lm, c, nc, mat, ikind)
    frm = integrand(rm, c, nc, mat, ikind)
    left = (m - a)/6.0_dp*(fa + 4.0_dp*flm + fm)
    right = (b - m)/6.0_dp*(fm + 4.0_dp*frm + fb)
    delta = left + right - whole
    if (depth <= 0 .or. abs(delta) <= 15.0_dp*tol) then
      s = left + right + delta/15.0_dp
    else
      ! recursive routines are differentiated in joint mode only: the
      ! fragment is checkpointed, also under --nocheckpoint ($AD CHECKPOINT
      ! goes before CALL statements only, not before function references)
      !$AD CHECKPOINT-START
      s = asimp(a, m, fa, flm, fm, left, 0.5_dp*tol, depth - 1, c, nc, mat, ikind) &
          + asimp(m, b, fm, frm, fb, right, 0.5_dp*tol, depth - 1, c, nc, mat, ikind)
      !$AD CHECKPOINT-END
    end if
  end function asimp

  ! q = integral of integrand(ikind) over [a, b]: adaptive Simpson by
  ! default, or the composite trapezoidal rule on 'npts' points when method
  ! is 'trapezoid'; tol, maxdepth, method and npts are optional.
  ! (A subroutine: as a function with optional arguments, fadj passed the
  ! result adjoint positionally after the optional ones.)
  subroutine integrate(a, b, c, nc, mat, ikind, q, tol, maxdepth, method, npts)
    real(dp), intent(in) :: a, b
    integer, intent(in) :: nc, mat, ikind
    real(dp), intent(in) :: c(nc)
    real(dp), intent(out) :: q
    real(dp), intent(in), optional :: tol
    integer, intent(in), optional :: maxdepth
    character(len=*), intent(in), optional :: method
    integer, intent(in), optional :: npts
    real(dp) :: tl, fa, fm, fb, h
    integer :: md, np, i
    character(len=16) :: meth

    tl = 1.0e-7_dp
    if (present(tol)) tl = tol
    md = 12
    if (present(maxdepth)) md = maxdepth
    meth = 'simpson'
    if (present(method)) meth = method
    np = 33
    if (present(npts)) np = max(npts, 2)

    select case (trim(meth))
    case ('trapezoid')
      h = (b - a)/real(np - 1, dp)
      q = 0.5_dp*(integrand(a, c, nc, mat, ikind) + integrand(b, c, nc, mat, ikind))
      do i = 2, np - 1
        q = q + integrand(a + real(i - 1, dp)*h, c, nc, mat, ikind)
      end do
      q = q*h
    case default
      fa = integrand(a, c, nc, mat, ikind)
      fm = integrand(0.5_dp*(a + b), c, nc, mat, ikind)
      fb = integrand(b, c, nc, mat, ikind)
      !$AD CHECKPOINT-START
      q = asimp(a, b, fa, fm, fb, (b - a)/6.0_dp*(fa + 4.0_dp*fm + fb), tl, md, c, nc, mat, ikind)
      !$AD CHECKPOINT-END
    end select
  end subroutine integrate

end module rod_funcs
