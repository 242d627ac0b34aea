! pm_grid.h: grid and physical parameters shared through COMMON blocks.
! INCLUDEd by the fixed-form physics (pm_diffuse.F, pm_force.F, pm_setup.F,
! pm_advance.F) and by the free-form head (pm_model.F90): one block everywhere.
! Valid in both source forms: statements from column 7, '!' comments only.
      INTEGER NZ
      PARAMETER (NZ = 16)
      DOUBLE PRECISION DZ(NZ), ZC(NZ), TREF0(NZ)
      DOUBLE PRECISION KAPPA0, RELAX, QSURF
      COMMON /PMGRID/ DZ, ZC, TREF0
      COMMON /PMPHYS/ KAPPA0, RELAX, QSURF
