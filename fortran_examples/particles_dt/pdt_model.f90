! Time integration and cost of the particles_dt model.
!
! Head: particle_cost(pos0, vel0, np, kscale, f)
!   pos0(3,np), vel0(3,np)  initial positions and velocities (controls)
!   kscale                  scale of the trap stiffness (control)
!   f                       cost: misfit of the final positions to a
!                           target configuration, final kinetic energy,
!                           drag work and the time-integrated signals of
!                           three probes (an array of derived types)
! The state lives in a type(ensemble) built from the controls; the time
! loop calls velocity-Verlet steps on it.
module pdt_model
  use pdt_types
  use pdt_forces, only: set_pair_law, compute_forces, potential_energy_check
  implicit none
  integer, parameter :: nprobe = 3

contains

  ! build the ensemble from the control arrays; species and masses from
  ! the particle index (passive)
  subroutine init_ensemble(ens, pos0, vel0, np)
    integer, intent(in) :: np
    real(wp), intent(in) :: pos0(3, np), vel0(3, np)
    type(ensemble), intent(out) :: ens
    integer :: i

    ens%np = np
    ens%nforce = 0
    ens%work_drag = 0.0_wp
    do i = 1, np
      ens%p(i)%pos%c = pos0(:, i)
      ens%p(i)%vel%c = vel0(:, i)
      ens%p(i)%frc%c = 0.0_wp
      if (mod(i, 3) == 0) then
        ens%p(i)%species = 2
        ens%p(i)%mass = 2.0_wp
        ens%p(i)%radius = 0.7_wp
      else
        ens%p(i)%species = 1
        ens%p(i)%mass = 1.0_wp
        ens%p(i)%radius = 0.5_wp
      end if
    end do
  end subroutine init_ensemble

  ! v <- v + h*F/m for every particle
  subroutine kick(ens, h)
    type(ensemble), intent(inout) :: ens
    real(wp), intent(in) :: h
    integer :: i
    do i = 1, ens%np
      call axpy3(ens%p(i)%vel, h/ens%p(i)%mass, ens%p(i)%frc)
    end do
  end subroutine kick

  ! x <- x + h*v for every particle
  subroutine drift(ens, h)
    type(ensemble), intent(inout) :: ens
    real(wp), intent(in) :: h
    integer :: i
    do i = 1, ens%np
      ens%p(i)%pos%c = ens%p(i)%pos%c + h*ens%p(i)%vel%c
    end do
  end subroutine drift

  ! kinetic energy into ens%ekin
  subroutine kinetic(ens)
    type(ensemble), intent(inout) :: ens
    integer :: i
    ens%ekin = 0.0_wp
    do i = 1, ens%np
      ens%ekin = ens%ekin + 0.5_wp*ens%p(i)%mass*vnorm2(ens%p(i)%vel)
    end do
  end subroutine kinetic

  ! one velocity-Verlet step (forces at the start are up to date); the
  ! power of the drag is accumulated as work with the trapezoidal rule
  subroutine verlet_step(ens, law, cfg)
    type(ensemble), intent(inout) :: ens
    type(pair_law), intent(in) :: law
    type(run_config), intent(in) :: cfg
    real(wp) :: p0, p1

    p0 = drag_power(ens, cfg)
    call kick(ens, 0.5_wp*cfg%dt)
    call drift(ens, cfg%dt)
    call compute_forces(ens, law, cfg)
    call kick(ens, 0.5_wp*cfg%dt)
    p1 = drag_power(ens, cfg)
    ens%work_drag = ens%work_drag + 0.5_wp*cfg%dt*(p0 + p1)
  end subroutine verlet_step

  ! power dissipated by the drag: drag*|v|**3*radius**2 summed
  real(wp) function drag_power(ens, cfg) result(pw)
    type(ensemble), intent(in) :: ens
    type(run_config), intent(in) :: cfg
    real(wp) :: v2
    integer :: i
    pw = 0.0_wp
    do i = 1, ens%np
      v2 = vnorm2(ens%p(i)%vel) + 1.0e-8_wp
      pw = pw + cfg%drag*ens%p(i)%radius**2*v2*sqrt(v2)
    end do
  end function drag_power

  ! probes: Gaussian-weighted particle density at fixed points, summed
  ! over time (rectangle rule); probes is an array of derived types
  subroutine sample(ens, probes, dt)
    type(ensemble), intent(in) :: ens
    type(probe), intent(inout) :: probes(:)
    real(wp), intent(in) :: dt
    real(wp) :: w
    integer :: i, k

    do k = 1, size(probes)
      w = 0.0_wp
      do i = 1, ens%np
        w = w + ens%p(i)%mass*exp(-dist2(ens%p(i)%pos, probes(k)%at)/probes(k)%width**2)
      end do
      probes(k)%signal = probes(k)%signal + dt*w
    end do
  end subroutine sample

  ! place the probes (passive)
  subroutine init_probes(probes)
    type(probe), intent(out) :: probes(nprobe)
    probes(1)%at%c = (/ 0.5_wp, 0.0_wp, -0.2_wp /)
    probes(2)%at%c = (/ -0.4_wp, 0.6_wp, 0.0_wp /)
    probes(3)%at%c = (/ 0.0_wp, -0.5_wp, 0.4_wp /)
    probes(1)%width = 0.6_wp
    probes(2)%width = 0.8_wp
    probes(3)%width = 0.5_wp
    probes(:)%signal = 0.0_wp
  end subroutine init_probes

  ! the head
  subroutine particle_cost(pos0, vel0, np, kscale, f)
    integer, intent(in) :: np
    real(wp), intent(in) :: pos0(3, np), vel0(3, np)
    real(wp), intent(in) :: kscale
    real(wp), intent(out) :: f
    type(ensemble) :: ens
    type(pair_law) :: law
    type(run_config) :: cfg
    type(probe) :: probes(nprobe)
    real(wp) :: target(3)
    real(wp) :: ang, misfit, echeck, virial, pref(nprobe)
    integer :: i, it

    call set_pair_law(law)
    cfg%kscale = kscale
    call init_ensemble(ens, pos0, vel0, np)
    call init_probes(probes)
    pref = (/ 0.8_wp, 0.5_wp, 0.3_wp /)

    call compute_forces(ens, law, cfg)
    do it = 1, cfg%nstep
      call verlet_step(ens, law, cfg)
      call sample(ens, probes, cfg%dt)
    end do
    call kinetic(ens)
    call potential_energy_check(ens, law, cfg, echeck)

    ! target: the particles on a ring of radius 1 in the x-y plane
    misfit = 0.0_wp
    virial = 0.0_wp
    do i = 1, np
      virial = virial + vdot(ens%p(i)%pos, ens%p(i)%vel)
      ang = 8.0_wp*atan(1.0_wp)*real(i - 1, wp)/real(np, wp)
      ! (a plain array: a passive type(vec3) local passed to dist2 made
      ! fadj declare its adjoint without importing vec3_diff)
      target = (/ cos(ang), sin(ang), 0.0_wp /)
      misfit = misfit + sum((ens%p(i)%pos%c - target)**2)
    end do
    f = misfit/real(np, wp) + 0.1_wp*ens%ekin + 0.05_wp*ens%work_drag &
        + 0.02_wp*echeck + 0.05_wp*virial + sum((probes(:)%signal - pref)**2)
  end subroutine particle_cost

end module pdt_model
