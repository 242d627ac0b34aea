! Kernels of the timestep_tree model: small routines called once per cell
! face or per cell by the physics routines (tt_physics.f90).
module tt_kernels
  use tt_params
  implicit none

contains

  ! Smooth van Albada slope from the two one-sided differences a and b:
  ! ~ a*b*(a+b)/(a**2+b**2) when |a|,|b| >> sqrt(eps_lim), 0 when a=b=0.
  double precision function slope_va(a, b)
    double precision, intent(in) :: a, b
    slope_va = (a*(b*b + eps_lim) + b*(a*a + eps_lim))/(a*a + b*b + 2.0d0*eps_lim)
  end function slope_va

  ! Advective flux through one face with the limited upwind (MUSCL)
  ! reconstruction.  cmm, cm are the two cells upstream of the face for
  ! vel >= 0, cp, cpp the two cells downstream; vel is the face velocity.
  subroutine face_flux(cmm, cm, cp, cpp, vel, flux)
    double precision, intent(in) :: cmm, cm, cp, cpp, vel
    double precision, intent(out) :: flux
    double precision :: cface
    if (vel >= 0.0d0) then
      cface = cm + 0.5d0*slope_va(cm - cmm, cp - cm)
    else
      cface = cp - 0.5d0*slope_va(cp - cm, cpp - cp)
    end if
    flux = vel*cface
  end subroutine face_flux

  ! Diffusive flux between two cells: harmonic mean of the cell
  ! diffusivities k1, k2 (scaled by fac) times the gradient.
  subroutine diff_flux(k1, k2, fac, c1, c2, rd, flux)
    double precision, intent(in) :: k1, k2, fac, c1, c2, rd
    double precision, intent(out) :: flux
    double precision :: kf
    kf = 2.0d0*fac*k1*k2/(k1 + k2)
    flux = kf*(c2 - c1)*rd
  end subroutine diff_flux

  ! Light limitation at height y (surface at y = 1).
  double precision function light_factor(y)
    double precision, intent(in) :: y
    light_factor = exp(-kext*(1.0d0 - y))
  end function light_factor

  ! Nutrient-phytoplankton kinetics in one cell over one time step:
  ! Michaelis-Menten uptake limited by light, quadratic mortality of which
  ! a fraction recyc returns to the nutrient.  a, b updated in place; the
  ! area-weighted uptake is added to prod.
  subroutine np_kernel(a, b, mu, mort, light, dt, prod)
    double precision, intent(inout) :: a, b
    double precision, intent(in) :: mu, mort, light, dt
    double precision, intent(inout) :: prod
    double precision :: upt, dmort
    upt = mu*light*a/(ksat + a)*b
    dmort = mort*b*b
    a = a + dt*(recyc*dmort - upt)
    b = b + dt*(upt - dmort)
    prod = prod + dt*area*upt
  end subroutine np_kernel

  ! Pseudo-Huber misfit of one value against its observation.
  double precision function misfit(c, cobs)
    double precision, intent(in) :: c, cobs
    double precision :: r
    r = (c - cobs)/hub
    misfit = hub*hub*(sqrt(1.0d0 + r*r) - 1.0d0)
  end function misfit

end module tt_kernels
