"""fadj: source-to-source automatic differentiation for Fortran.

The pipeline (see shared/DESIGN.md) is: frontend (fparser -> IR), passes,
analysis, ad (tangent / reverse with checkpointing), backend (Fortran text,
Makefile).  Each arrow is one subpackage; data flows one way.
"""

__version__ = "0.1.0"
