! Forces of the particles_dt model.  Every routine takes the ensemble
! (intent(inout) or intent(in)) and the parameter types as arguments.
module pdt_forces
  use pdt_types
  implicit none
  private
  public :: set_pair_law, compute_forces, potential_energy_check

contains

  ! interaction table: like species repel more strongly than unlike
  subroutine set_pair_law(law)
    type(pair_law), intent(out) :: law
    law%eps(1, 1) = 1.0_wp
    law%eps(2, 2) = 0.7_wp
    law%eps(1, 2) = 0.4_wp
    law%eps(2, 1) = law%eps(1, 2)
    law%sig(1, 1) = 0.8_wp
    law%sig(2, 2) = 1.0_wp
    law%sig(1, 2) = 0.9_wp
    law%sig(2, 1) = law%sig(1, 2)
    law%attr = 0.3_wp
  end subroutine set_pair_law

  ! total force on every particle and the potential energy
  subroutine compute_forces(ens, law, cfg)
    type(ensemble), intent(inout) :: ens
    type(pair_law), intent(in) :: law
    type(run_config), intent(in) :: cfg
    integer :: i

    ens%nforce = ens%nforce + 1
    ens%epot = 0.0_wp
    do i = 1, ens%np
      ens%p(i)%frc%c = 0.0_wp
    end do
    call pair_forces(ens, law)
    call trap_forces(ens, cfg)
    call drag_forces(ens, cfg)
  end subroutine compute_forces

  ! soft pair potential between particles i < j at distance r:
  !   U(r) = eps*exp(-r**2/(2 sig**2)) - attr*eps*exp(-r**2/(8 sig**2))
  ! a short-range Gaussian repulsion and a wider, weaker attraction
  subroutine pair_forces(ens, law)
    type(ensemble), intent(inout) :: ens
    type(pair_law), intent(in) :: law
    type(vec3) :: dr
    real(wp) :: r2, s2, e, g1, g2, u, dudr2
    integer :: i, j, si, sj

    do i = 1, ens%np - 1
      si = ens%p(i)%species
      do j = i + 1, ens%np
        sj = ens%p(j)%species
        dr%c = ens%p(i)%pos%c - ens%p(j)%pos%c
        r2 = dist2(ens%p(i)%pos, ens%p(j)%pos)
        s2 = law%sig(si, sj)**2
        e = law%eps(si, sj)
        g1 = exp(-0.5_wp*r2/s2)
        g2 = exp(-0.125_wp*r2/s2)
        u = e*(g1 - law%attr*g2)
        ens%epot = ens%epot + u
        ! dU/d(r2)
        dudr2 = e*(-0.5_wp*g1 + 0.125_wp*law%attr*g2)/s2
        ! force on i is -dU/dx_i = -2 dU/d(r2) * dr
        call axpy3(ens%p(i)%frc, -2.0_wp*dudr2, dr)
        call axpy3(ens%p(j)%frc, 2.0_wp*dudr2, dr)
      end do
    end do
  end subroutine pair_forces

  ! anisotropic harmonic trap (stiffness scaled by cfg%kscale, the
  ! control), gravity weighted by the mass, and a soft floor
  subroutine trap_forces(ens, cfg)
    type(ensemble), intent(inout) :: ens
    type(run_config), intent(in) :: cfg
    real(wp) :: k(3), z, floor_k
    integer :: i

    k = cfg%kscale*cfg%ktrap
    floor_k = 2.0_wp
    do i = 1, ens%np
      ens%p(i)%frc%c = ens%p(i)%frc%c - k*ens%p(i)%pos%c + ens%p(i)%mass*cfg%gravity
      ens%epot = ens%epot + 0.5_wp*sum(k*ens%p(i)%pos%c**2) &
                 - ens%p(i)%mass*sum(cfg%gravity*ens%p(i)%pos%c)
      ! soft floor at z = -3: a smooth softplus barrier
      z = ens%p(i)%pos%c(3) + 3.0_wp
      ens%epot = ens%epot + floor_k*log(1.0_wp + exp(-4.0_wp*z))/4.0_wp
      ens%p(i)%frc%c(3) = ens%p(i)%frc%c(3) + floor_k/(1.0_wp + exp(4.0_wp*z))
    end do
  end subroutine trap_forces

  ! nonlinear drag -drag*|v|*v*radius**2 (quadratic in the speed)
  subroutine drag_forces(ens, cfg)
    type(ensemble), intent(inout) :: ens
    type(run_config), intent(in) :: cfg
    real(wp) :: speed, c
    integer :: i

    do i = 1, ens%np
      speed = sqrt(vnorm2(ens%p(i)%vel) + 1.0e-8_wp)
      c = cfg%drag*speed*ens%p(i)%radius**2
      call axpy3(ens%p(i)%frc, -c, ens%p(i)%vel)
    end do
  end subroutine drag_forces

  ! potential energy recomputed from scratch into a scalar (used by the
  ! diagnostics of the head; intent(in) ensemble)
  subroutine potential_energy_check(ens, law, cfg, epot)
    type(ensemble), intent(in) :: ens
    type(pair_law), intent(in) :: law
    type(run_config), intent(in) :: cfg
    real(wp), intent(out) :: epot
    real(wp) :: r2, s2
    integer :: i, j, si, sj

    epot = 0.0_wp
    do i = 1, ens%np
      si = ens%p(i)%species
      do j = i + 1, ens%np
        sj = ens%p(j)%species
        r2 = dist2(ens%p(i)%pos, ens%p(j)%pos)
        s2 = law%sig(si, sj)**2
        epot = epot + law%eps(si, sj)*(exp(-0.5_wp*r2/s2) - law%attr*exp(-0.125_wp*r2/s2))
      end do
      epot = epot + 0.5_wp*cfg%kscale*sum(cfg%ktrap*ens%p(i)%pos%c**2) &
             - ens%p(i)%mass*sum(cfg%gravity*ens%p(i)%pos%c) &
             + 2.0_wp*log(1.0_wp + exp(-4.0_wp*(ens%p(i)%pos%c(3) + 3.0_wp)))/4.0_wp
    end do
  end subroutine potential_energy_check

end module pdt_forces
