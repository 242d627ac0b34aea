! Derived types of the particles_dt example: a small molecular-dynamics
! style model of two species of soft particles in an anisotropic
! harmonic trap.
!
!   vec3       a 3-vector (fixed-size real array component)
!   particle   nested vec3 components (position, velocity, force), real
!              scalars (mass, radius) and an integer species tag
!   ensemble   an array of particles inside a type, energies, counters
!   pair_law   interaction table per pair of species (2x2 arrays)
!   run_config time step, drag, trap stiffness, gravity; components with
!              default initialisation
!   probe      an observation point: position, accumulated signal
module pdt_types
  implicit none
  integer, parameter :: wp = kind(1.0d0)
  integer, parameter :: npmax = 16
  integer, parameter :: nspec = 2

  type :: vec3
    real(wp) :: c(3) = 0.0_wp
  end type vec3

  type :: particle
    type(vec3) :: pos
    type(vec3) :: vel
    type(vec3) :: frc
    real(wp) :: mass = 1.0_wp
    real(wp) :: radius = 0.5_wp
    integer :: species = 1
  end type particle

  type :: ensemble
    integer :: np = 0
    type(particle) :: p(npmax)
    real(wp) :: epot = 0.0_wp
    real(wp) :: ekin = 0.0_wp
    real(wp) :: work_drag = 0.0_wp
    integer :: nforce = 0
  end type ensemble

  type :: pair_law
    real(wp) :: eps(nspec, nspec)
    real(wp) :: sig(nspec, nspec)
    real(wp) :: attr
  end type pair_law

  type :: run_config
    real(wp) :: dt = 0.05_wp
    integer :: nstep = 40
    real(wp) :: drag = 0.05_wp
    real(wp) :: ktrap(3) = (/ 1.0_wp, 1.3_wp, 0.8_wp /)
    real(wp) :: gravity(3) = (/ 0.0_wp, 0.0_wp, -0.2_wp /)
    real(wp) :: kscale = 1.0_wp
  end type run_config

  type :: probe
    type(vec3) :: at
    real(wp) :: width = 0.6_wp
    real(wp) :: signal = 0.0_wp
  end type probe

contains

  ! |a - b|**2 for two vec3 values
  pure function dist2(a, b) result(d2)
    type(vec3), intent(in) :: a, b
    real(wp) :: d2
    d2 = sum((a%c - b%c)**2)
  end function dist2

  ! dot product of two vec3 values
  pure real(wp) function vdot(a, b)
    type(vec3), intent(in) :: a, b
    vdot = a%c(1)*b%c(1) + a%c(2)*b%c(2) + a%c(3)*b%c(3)
  end function vdot

  ! |a|**2 (one argument rather than vdot(v, v): fadj passed the same
  ! adjoint to both dummies of vdot_b, which lost an increment at -O2)
  pure real(wp) function vnorm2(a)
    type(vec3), intent(in) :: a
    vnorm2 = sum(a%c*a%c)
  end function vnorm2

  ! a <- a + s*b, in place
  subroutine axpy3(a, s, b)
    type(vec3), intent(inout) :: a
    real(wp), intent(in) :: s
    type(vec3), intent(in) :: b
    a%c = a%c + s*b%c
  end subroutine axpy3

end module pdt_types
