C=====================================================================
C     COLINI -- inputs of COLUMN for fadj check (see fadj.toml, [check]).
C     The check driver sizes X from --size nz=..., fills it with
C     pseudo-random values, then calls this routine, which sets the
C     controls of driver.f90: a stably stratified temperature profile,
C     the amplitude of the daily heat-flux cycle and the wind-driven
C     diffusivity.  The check's directions are relative to each value.
C=====================================================================
      SUBROUTINE COLINI(X, NZ, NSTEP, F)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      DIMENSION X(NZ+2)
      DO 10 I = 1, NZ
         XC = 200.0D0*(DBLE(I) - 0.5D0)/DBLE(NZ)
         X(I) = 12.0D0 + 8.0D0*EXP(-XC/50.0D0)
     &        + 0.04D0*SIN(XC/9.0D0 + 0.3D0)*EXP(-XC/100.0D0)
   10 CONTINUE
      X(NZ+1) = 350.0D0
      X(NZ+2) = 2.0D-2
      F = 0.0D0
      RETURN
      END
