"""What fadj knows about Fortran's intrinsic procedures: names and result types.

Derivative rules are *not* here (they are in ``fadj.rules``); this table only
says which names are intrinsic and what type they return, which typing and
activity analysis need.
"""
from __future__ import annotations

#: result has the type and kind of the first argument (elemental math, min/max...)
SAME_AS_ARG = {
    "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh",
    "atanh", "exp", "log", "log10", "sqrt", "abs", "sign", "min", "max", "mod", "modulo", "dim",
    "aint", "anint", "erf", "erfc", "gamma", "log_gamma", "hypot", "sum", "product", "maxval",
    "minval", "dot_product", "matmul", "transpose", "reshape", "spread", "cshift", "eoshift", "pack",
    "unpack", "merge", "huge", "tiny", "epsilon", "conjg", "nearest", "spacing", "fraction",
    "scale", "set_exponent", "rrspacing", "trim", "adjustl", "adjustr", "repeat", "bessel_j0",
    "bessel_j1", "bessel_y0", "bessel_y1", "norm2",
}

#: specific (old) names -> (generic name, result kind or None for "same as argument")
SPECIFIC = {
    "dsin": ("sin", 8), "dcos": ("cos", 8), "dtan": ("tan", 8), "dasin": ("asin", 8),
    "dacos": ("acos", 8), "datan": ("atan", 8), "datan2": ("atan2", 8), "dsinh": ("sinh", 8),
    "dcosh": ("cosh", 8), "dtanh": ("tanh", 8), "dexp": ("exp", 8), "dlog": ("log", 8),
    "dlog10": ("log10", 8), "dsqrt": ("sqrt", 8), "dabs": ("abs", 8), "dsign": ("sign", 8),
    "dmin1": ("min", 8), "dmax1": ("max", 8), "dmod": ("mod", 8), "ddim": ("dim", 8),
    "dint": ("aint", 8), "dnint": ("anint", 8), "alog": ("log", 4), "alog10": ("log10", 4),
    "amax1": ("max", 4), "amin1": ("min", 4), "amod": ("mod", 4), "cabs": ("abs", 4),
    "csqrt": ("sqrt", 4), "cexp": ("exp", 4), "clog": ("log", 4), "ccos": ("cos", 4), "csin": ("sin", 4),
    "derf": ("erf", 8), "derfc": ("erfc", 8),
}

#: return a default integer
INTEGER_RESULT = {
    "int", "ifix", "idint", "nint", "idnint", "floor", "ceiling", "size", "lbound", "ubound",
    "len", "len_trim", "index", "scan", "verify", "ichar", "iachar", "count", "maxloc", "minloc",
    "kind", "selected_real_kind", "selected_int_kind", "precision", "range", "digits", "radix",
    "bit_size", "iand", "ior", "ieor", "not", "ishft", "ishftc", "ibits", "ibset", "ibclr",
    "exponent", "iabs", "isign", "idim", "max0", "min0", "shape", "storage_size", "findloc",
    "findloc", "minexponent", "maxexponent", "command_argument_count", "popcnt", "leadz", "trailz",
}
#: integer arguments, real (default kind unless stated) result
REAL_RESULT = {"float": 4, "real": 4, "sngl": 4, "dble": 8, "dfloat": 8, "amax0": 4, "amin0": 4,
               "max1": 4, "min1": 4, "aimag": 4, "dimag": 8, "dreal": 8, "cmplx": 4, "dcmplx": 8}
LOGICAL_RESULT = {"present", "allocated", "associated", "any", "all", "btest", "logical", "lge",
                  "lgt", "lle", "llt", "is_iostat_end", "is_iostat_eor", "ieee_is_nan",
                  "ieee_is_finite", "same_type_as", "extends_type_of", "is_contiguous"}
CHARACTER_RESULT = {"char", "achar", "trim", "adjustl", "adjustr", "repeat", "new_line"}
OTHER = {"null", "transfer", "c_loc", "c_funloc", "c_associated", "c_sizeof", "sizeof", "loc",
         "random_number", "random_seed", "cpu_time", "system_clock", "date_and_time",
         "get_command_argument", "get_environment_variable", "execute_command_line", "move_alloc",
         "mvbits", "c_f_pointer", "getpid", "flush", "exit", "abort", "etime", "dtime"}

#: intrinsic subroutines (CALL)
SUBROUTINES = {"random_number", "random_seed", "cpu_time", "system_clock", "date_and_time",
               "get_command_argument", "get_environment_variable", "execute_command_line",
               "move_alloc", "mvbits", "c_f_pointer", "flush", "exit", "abort", "getarg"}

ALL = (SAME_AS_ARG | set(SPECIFIC) | INTEGER_RESULT | set(REAL_RESULT) | LOGICAL_RESULT
       | CHARACTER_RESULT | OTHER)

#: array intrinsics whose result has lower rank than the argument (reductions)
REDUCTIONS = {"sum", "product", "maxval", "minval", "dot_product", "count", "any", "all", "norm2"}

#: intrinsics that only inquire (their arguments are not read as values)
INQUIRY = {"size", "shape", "lbound", "ubound", "len", "kind", "present", "allocated",
           "associated", "huge", "tiny", "epsilon", "precision", "range", "digits", "radix",
           "bit_size", "storage_size", "minexponent", "maxexponent", "c_loc", "loc"}


def is_intrinsic(name: str) -> bool:
    return name in ALL


def generic_name(name: str) -> str:
    """``dsin`` -> ``sin``: the derivative rules are written for generic names."""
    return SPECIFIC[name][0] if name in SPECIFIC else name


#: procedures of these intrinsic modules are called like intrinsics (no derivative: timers, thread
#: counts, IEEE inquiries), by the prefix all their names share; MPI is not among them: its calls
#: move data and need their adjoints
PASSIVE_MODULES = {"omp_lib": "omp_", "iso_fortran_env": "compiler_", "iso_c_binding": "c_",
                    "ieee_arithmetic": "ieee_", "ieee_exceptions": "ieee_"}


def from_passive_module(r, name: str) -> bool:
    """Whether ``name`` in routine ``r`` is a procedure of a passive intrinsic module."""
    s = r.scope.lookup(name)
    if s is not None and s.intrinsic and s.module in PASSIVE_MODULES:
        return True
    if s is not None and (s.module is not None or not s.procedure):
        return False
    unit = r
    while unit is not None:
        for u in unit.uses:
            prefix = PASSIVE_MODULES.get(u.module)
            if prefix and u.only is None and name.startswith(prefix):
                return True
        unit = unit.host
    return False
