"""Type extension: ``type, extends(p) :: t`` inherits p's components and bindings, the parent
part is reachable as ``s%p``, abstract types and DEFERRED bindings are allowed, and CLASS(t)
dummies keep their CLASS in derivative code (``class(t_diff)``, the derivative types extend as
the primal types do).  Every type-bound call must name one procedure whatever the dynamic type:
otherwise (a binding overridden in an extension and called through CLASS, a DEFERRED binding
called through its abstract type) it is an error naming the call, raised only if the head
reaches it; so is SELECT TYPE.  Library routines the head never reaches may hold anything
fadj cannot read.  Checked with ``fadj check`` (tangent, adjoint, dot-product test), joint and
split."""
from __future__ import annotations

import pytest

from fadj.tools.check import CheckOptions, run_check
from tests.helpers import check_cost, cost_error, run_cli

# an extension adding a component and a binding; inherited bindings called on the extension;
# the parent part written through ``s%model%c``
EXTENDED_MODEL = """\
module models
  implicit none
  type :: model
    integer :: n = 0
    real(8), allocatable :: u(:)
    real(8) :: c = 1d0
  contains
    procedure :: energy => model_energy
    procedure :: step => model_step
  end type
  type, extends(model) :: damped_model
    real(8) :: gamma = 0.1d0
  contains
    procedure :: damp => damped_damp
  end type
contains
  subroutine model_step(m, dt)
    class(model), intent(inout) :: m
    real(8), intent(in) :: dt
    m%u(2:m%n) = m%u(2:m%n) - dt*m%c*(m%u(2:m%n)**2 - m%u(1:m%n-1)**2)
  end subroutine
  real(8) function model_energy(m)
    class(model), intent(in) :: m
    model_energy = sum(m%u**2)
  end function
  subroutine damped_damp(m, dt)
    class(damped_model), intent(inout) :: m
    real(8), intent(in) :: dt
    m%u = m%u*(1 - dt*m%gamma*m%u)
  end subroutine
end module

subroutine cost(x, n, f)
  use models
  implicit none
  integer, intent(in) :: n
  real(8), intent(in) :: x(n)
  real(8), intent(out) :: f
  type(damped_model) :: dm
  integer :: k
  dm%n = n
  allocate(dm%u(n))
  dm%u = x
  dm%gamma = x(1)
  dm%model%c = 0.5d0 + x(2)
  do k = 1, 5
    call dm%step(0.01d0)
    call dm%damp(0.01d0)
  end do
  f = dm%energy()
end subroutine
"""

# an abstract integrator with a DEFERRED right-hand side in one module, its extension in another;
# the deferred binding called on the concrete type, inherited ones through CLASS(integrator)
ABSTRACT_INTEGRATOR = """\
module solver_base
  implicit none
  type, abstract :: integrator
    integer :: n = 0
    real(8) :: h = 0.1d0
    real(8), allocatable :: y(:)
  contains
    procedure(rhs_iface), deferred :: rhs
    procedure :: advance => integrator_advance
    procedure :: run => integrator_run
  end type
  abstract interface
    subroutine rhs_iface(me, y, dy)
      import integrator
      class(integrator), intent(in) :: me
      real(8), intent(in) :: y(:)
      real(8), intent(out) :: dy(:)
    end subroutine
  end interface
contains
  subroutine integrator_advance(me, dy)
    class(integrator), intent(inout) :: me
    real(8), intent(in) :: dy(:)
    me%y = me%y + me%h*dy
  end subroutine
  subroutine integrator_run(me, nsteps)
    class(integrator), intent(inout) :: me
    integer, intent(in) :: nsteps
    integer :: k
    do k = 1, nsteps
      call me%advance(me%y**2*0.1d0 + me%h*me%y)
    end do
  end subroutine
end module

module decay_model
  use solver_base
  implicit none
  type, extends(integrator) :: decay
    real(8) :: rate = 0.5d0
  contains
    procedure :: rhs => decay_rhs
  end type
contains
  subroutine decay_rhs(me, y, dy)
    class(decay), intent(in) :: me
    real(8), intent(in) :: y(:)
    real(8), intent(out) :: dy(:)
    dy = -me%rate*y*y
  end subroutine
end module

subroutine cost(x, n, f)
  use decay_model
  implicit none
  integer, intent(in) :: n
  real(8), intent(in) :: x(n)
  real(8), intent(out) :: f
  type(decay) :: d
  real(8) :: dy(n)
  integer :: k
  d%n = n
  d%y = x
  d%rate = x(1)**2
  d%integrator%h = 0.05d0
  do k = 1, 4
    call d%rhs(d%y, dy)
    call d%advance(dy)
  end do
  call d%run(3)
  f = sum(d%y**3)
end subroutine
"""

# routines the head never calls: dynamic dispatch and SELECT TYPE are no obstacle there
UNREACHED = ABSTRACT_INTEGRATOR.replace("contains\n  subroutine integrator_advance", """\
contains
  subroutine integrator_dispatch(me)
    class(integrator), intent(inout) :: me
    real(8) :: dy(size(me%y))
    call me%rhs(me%y, dy)
  end subroutine
  subroutine integrator_reset(me)
    class(integrator), intent(inout) :: me
    select type (me)
    class default
      me%h = 0
    end select
  end subroutine
  subroutine integrator_advance""")


@pytest.mark.parametrize("source", [EXTENDED_MODEL, ABSTRACT_INTEGRATOR, UNREACHED],
                         ids=["extended-model", "abstract-integrator", "unreached-dispatch"])
@pytest.mark.parametrize("split", [False, True], ids=["joint", "split"])
def test_type_extension_derivatives(tmp_path, gfortran, source, split):
    rep = check_cost(tmp_path, source, split, "t.f90")
    assert rep.passed, rep.output[-2000:]


def test_derivative_types_extend_as_the_primal_types_do(tmp_path):
    (tmp_path / "t.f90").write_text(ABSTRACT_INTEGRATOR)
    p = run_cli("differentiate", "t.f90", "--head", "cost", "--vars", "x", "--outvars", "f", "-o", "out", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    text = (tmp_path / "out" / "t_b.f90").read_text()
    assert "type, extends(integrator_diff) :: decay_diff" in text
    assert "class(integrator_diff) :: meb" in text
    # the module of the parent's derivative type comes first in the file
    assert text.index("module solver_base_diff") < text.index("module decay_model_diff")




def test_deferred_binding_called_through_the_abstract_type_is_an_error(tmp_path):
    src = ABSTRACT_INTEGRATOR.replace("      call me%advance(me%y**2*0.1d0 + me%h*me%y)\n",
                                      "      call me%advance(me%y**2*0.1d0 + me%h*me%y)\n      call me%rhs(me%y, me%y)\n")
    assert cost_error(tmp_path, src) == (
        "e.f90:32: error: '%rhs' of 'me' calls a DEFERRED binding of type 'integrator': it needs dynamic dispatch, "
        "which is not supported (fadj resolves type-bound calls statically)")


def test_overridden_binding_called_through_class_is_an_error(tmp_path):
    src = ABSTRACT_INTEGRATOR.replace("    procedure :: rhs => decay_rhs\n",
                                      "    procedure :: rhs => decay_rhs\n    procedure :: advance => decay_advance\n")
    src = src.replace("  subroutine decay_rhs(me, y, dy)", """\
  subroutine decay_advance(me, dy)
    class(decay), intent(inout) :: me
    real(8), intent(in) :: dy(:)
    me%y = me%y + 2*me%h*dy
  end subroutine
  subroutine decay_rhs(me, y, dy)""")
    assert cost_error(tmp_path, src) == (
        "e.f90:31: error: '%advance' of 'me', declared CLASS(integrator), calls 'integrator_advance' or, for type "
        "'decay', 'decay_advance': dynamic dispatch is not supported (fadj resolves type-bound calls statically)")


def test_select_type_reached_is_an_error(tmp_path):
    src = UNREACHED.replace("  call d%run(3)\n", "  call d%run(3)\n  call integrator_reset(d)\n")
    msg = cost_error(tmp_path, src)
    assert msg.startswith("e.f90:") and "SELECT TYPE" in msg and "error:" in msg, msg


def test_call_through_a_procedure_pointer_never_set_stops_loudly(tmp_path, gfortran):
    """A procedure-pointer component that nothing in the sources sets: the primal cannot call it
    either; the derivative builds and, if the call is reached after all, stops naming it."""
    src = """\
module solver
  implicit none
  type :: ode
    real(8) :: h = 0.1d0
    procedure(rep), pointer, nopass :: report => null()
    integer :: mode = 1
  end type
  abstract interface
    subroutine rep(y)
      real(8), intent(in) :: y(:)
    end subroutine
  end interface
contains
  subroutine run(me, y)
    type(ode), intent(inout) :: me
    real(8), intent(inout) :: y(:)
    integer :: k
    do k = 1, 3
      y = y + me%h*sin(y)
      if (me%mode == 2) call me%report(y)
    end do
  end subroutine
end module
subroutine cost(x, n, f)
  use solver
  integer n
  real(8) :: x(n), f
  type(ode) :: s
  call run(s, x)
  f = sum(x**2)
end subroutine
"""
    (tmp_path / "t.f90").write_text(src)
    rep = run_check(CheckOptions([str(tmp_path / "t.f90")], "cost", "x", "f", outdir=tmp_path / "chk", sizes=["n=4"]))
    assert rep.passed, rep.output[-2000:]
    text = (tmp_path / "chk" / "t_diff.f90").read_text()
    assert "error stop 'fadj: t.f90:20: null procedure pointer %report'" in text


def test_unreached_routine_that_points_a_procedure_pointer_is_still_an_error(tmp_path):
    """Its pointer assignments could give a call elsewhere another target: not deferred."""
    src = ABSTRACT_INTEGRATOR.replace("    real(8), allocatable :: y(:)\n",
                                      "    real(8), allocatable :: y(:)\n    procedure(hook), pointer, nopass :: on_step => null()\n")
    src = src.replace("  abstract interface\n", """\
  abstract interface
    subroutine hook()
    end subroutine
""")
    src = src.replace("contains\n  subroutine integrator_advance", """\
contains
  subroutine nothing()
  end subroutine
  subroutine integrator_dispatch(me)
    class(integrator), intent(inout) :: me
    real(8) :: dy(size(me%y))
    me%on_step => nothing
    call me%rhs(me%y, dy)
  end subroutine
  subroutine integrator_advance""")
    msg = cost_error(tmp_path, src)
    assert "DEFERRED binding" in msg and msg.startswith("e.f90:"), msg
