! Discretised Lagrangian action of a Frenkel-Kontorova-type particle chain.
!
! n particles with displacements q(1:n) and momenta p(1:n), neighbours joined
! by Morse bonds, particle 1 also bonded to a wall, every particle sitting in
! a periodic pinning potential.  The control x(1:n) sets the initial state
! (q = x, p = 0.5 sin(3x)); nstep velocity-Verlet steps with a nonlinear drag
! integrate the motion, and the cost is
!
!   f = wscale * action + sum_i [ (q_i - target_i)**2 / 2 + morse(q_i - x_i) / 10 ]
!
! with action = sum over steps of dt*(kinetic - potential energy).
!
! Call structure (three levels below the head's time loop):
!   chain_action -> verlet_step -> compute_forces -> pin_and_cap
! with the user functions morse and morse_slope used inside expressions.
! Integer force-evaluation counters and a real scale computed from integer
! data only are passive.
module chain_model
  implicit none

contains

  ! Morse bond potential V(r) = de*(1 - exp(-a*r))**2
  double precision function morse(r)
    double precision, intent(in) :: r
    double precision, parameter :: de = 1.5d0, a = 1.2d0
    morse = de*(1.0d0 - exp(-a*r))**2
  end function morse

  ! dV/dr of the Morse potential
  double precision function morse_slope(r)
    double precision, intent(in) :: r
    double precision, parameter :: de = 1.5d0, a = 1.2d0
    double precision :: e
    e = exp(-a*r)
    morse_slope = 2.0d0*de*a*e*(1.0d0 - e)
  end function morse_slope

  ! Head: initial state from x, nstep time steps, terminal misfit + action.
  subroutine chain_action(x, n, f)
    integer, intent(in) :: n
    double precision, intent(in) :: x(n)
    double precision, intent(out) :: f
    integer, parameter :: nstep = 20
    double precision :: q(n), p(n)
    double precision :: action, dt, wscale, target
    integer :: i, it, nev

    nev = 0                                ! passive: counts force evaluations
    dt = 1.0d0/dble(nstep)                 ! passive
    wscale = 1.0d0/dble(n*nstep)           ! passive: from integer data only
    do i = 1, n
      q(i) = x(i)
      p(i) = 0.5d0*sin(3.0d0*x(i))
    end do
    action = 0.0d0
    do it = 1, nstep
      call verlet_step(q, p, n, dt, action, nev)
    end do
    f = wscale*action
    do i = 1, n
      target = 0.2d0*cos(3.0d0*dble(i)/dble(n))
      f = f + 0.5d0*(q(i) - target)**2 + 0.1d0*morse(q(i) - x(i))
    end do
  end subroutine chain_action

  ! Level 1: one velocity-Verlet step with a nonlinear drag on the momenta.
  ! q, p and the running action are updated in place.
  subroutine verlet_step(q, p, n, dt, action, nev)
    integer, intent(in) :: n
    double precision, intent(inout) :: q(n), p(n)
    double precision, intent(in) :: dt
    double precision, intent(inout) :: action
    integer, intent(inout) :: nev
    double precision, parameter :: gam = 0.4d0
    double precision :: g(n)
    double precision :: epot, ekin
    integer :: i

    call compute_forces(q, g, n, epot, nev)
    do i = 1, n
      p(i) = p(i) + 0.5d0*dt*g(i)
    end do
    do i = 1, n
      q(i) = q(i) + dt*p(i)
      p(i) = p(i)/(1.0d0 + gam*dt*p(i)**2)
    end do
    call compute_forces(q, g, n, epot, nev)
    ekin = 0.0d0
    do i = 1, n
      p(i) = p(i) + 0.5d0*dt*g(i)
      ekin = ekin + 0.5d0*p(i)**2
    end do
    action = action + dt*(ekin - epot)
  end subroutine verlet_step

  ! Level 2: forces g = -dV/dq and potential energy epot of the bonds,
  ! then the pinning contribution (level 3).
  subroutine compute_forces(q, g, n, epot, nev)
    integer, intent(in) :: n
    double precision, intent(in) :: q(n)
    double precision, intent(out) :: g(n)
    double precision, intent(out) :: epot
    integer, intent(inout) :: nev
    double precision :: r, s, wall
    integer :: i

    nev = nev + 1
    wall = 1.0d0 + 1.0d0/dble(n)           ! passive: wall bond stiffening
    epot = wall*morse(q(1))
    g(1) = -wall*morse_slope(q(1))
    do i = 2, n
      g(i) = 0.0d0
    end do
    do i = 1, n - 1
      r = q(i+1) - q(i)
      s = morse_slope(r)
      epot = epot + morse(r)
      g(i) = g(i) + s
      g(i+1) = g(i+1) - s
    end do
    call pin_and_cap(q, g, n, epot)
  end subroutine compute_forces

  ! Level 3: periodic pinning potential amp*(1 - cos(2 pi q)), added to the
  ! forces and to epot in place, then a smooth force cap g -> fcap*tanh(g/fcap).
  subroutine pin_and_cap(q, g, n, epot)
    integer, intent(in) :: n
    double precision, intent(in) :: q(n)
    double precision, intent(inout) :: g(n)
    double precision, intent(inout) :: epot
    double precision, parameter :: amp = 0.05d0, fcap = 2.5d0
    double precision :: twopi, ph
    integer :: i

    twopi = 8.0d0*atan(1.0d0)
    do i = 1, n
      ph = twopi*q(i)
      epot = epot + amp*(1.0d0 - cos(ph))
      g(i) = g(i) - amp*twopi*sin(ph)
      g(i) = fcap*tanh(g(i)/fcap)
    end do
  end subroutine pin_and_cap

end module chain_model
