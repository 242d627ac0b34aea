C=====================================================================
C     COLUMN -- a one-dimensional upper-ocean column model in the
C     FORTRAN 77 style: the state (temperature T and salinity S on NZ
C     levels), the grid, the forcing and the running cost live in named
C     COMMON blocks shared by the routines of column.f and colphys.f.
C
C     Call tree:
C       COLUMN (head)          time loop DO 100 IT = 1, NSTEP
C         -> SETUP             grid and constants (COMMON /GRID/)
C         -> INITTS            T, S from the control (COMMON /STATE/)
C         -> FORCE             surface fluxes of step IT (/FORC/)
C         -> STEP              one time step (colphys.f)
C              -> EOS          density (/DENS/)        -> RHOF
C              -> MIXCOF       diffusivities (/MIX/)   -> AKVF
C              -> SURFBC       surface heat and salt fluxes into T, S
C              -> DIFFUS (x2)  implicit vertical diffusion of T and S
C                   -> TRIDAG  tridiagonal (Thomas) solver
C         -> ACCUM             running SST misfit (/COST/)
C
C     Control X(1:NZ)  initial temperature profile (deg C)
C             X(NZ+1)  amplitude of the daily heat-flux cycle (W/m**2)
C             X(NZ+2)  wind-driven surface diffusivity (m**2/s)
C     Output  F        running SST misfit + final profile misfit
C
C     NZ must not exceed NZMAX (the size of the COMMON arrays).
C     Implicit typing: A-H, O-Z double precision, I-N integer.
C=====================================================================
      SUBROUTINE COLUMN(X, NZ, NSTEP, F)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NZMAX = 400)
      DIMENSION X(NZ+2)
      COMMON /GRID/ DZ, DT, ZC(NZMAX), ZW(NZMAX), NLEV
      COMMON /STATE/ T(NZMAX), S(NZMAX)
      COMMON /COST/ FACC, WSST
C
      F = 0.0D0
      IF (NZ .LT. 3 .OR. NZ .GT. NZMAX) RETURN
      CALL SETUP(NZ)
      CALL INITTS(X, NZ)
      FACC = 0.0D0
C
C     the time loop
      DO 100 IT = 1, NSTEP
         CALL FORCE(X, NZ, IT)
         CALL STEP
         CALL ACCUM(IT)
  100 CONTINUE
C
C     misfit of the final profiles to a climatology
      FMIS = 0.0D0
      DO 200 K = 1, NLEV
         Z    = ZC(K)
         TCLI = 14.0D0 + 6.0D0*EXP(-Z/60.0D0)
         SCLI = 35.0D0 + 0.3D0*(1.0D0 - EXP(-Z/80.0D0))
         FMIS = FMIS + DZ*((T(K) - TCLI)**2 + 4.0D0*(S(K) - SCLI)**2)
  200 CONTINUE
      F = FACC + FMIS/ZW(NLEV)
      RETURN
      END
C=====================================================================
C     SETUP -- uniform grid of NZ levels over the depth HTOT, time step
C     and constants.  ZC(K) depth of level K, ZW(K) depth of the
C     interface below it.
C=====================================================================
      SUBROUTINE SETUP(NZ)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NZMAX = 400)
      PARAMETER (HTOT = 200.0D0)
      COMMON /GRID/ DZ, DT, ZC(NZMAX), ZW(NZMAX), NLEV
      COMMON /COST/ FACC, WSST
C
      NLEV = NZ
      DZ   = HTOT/DBLE(NZ)
      DT   = 1800.0D0
      DO 10 K = 1, NZ
         ZC(K) = (DBLE(K) - 0.5D0)*DZ
         ZW(K) = DBLE(K)*DZ
   10 CONTINUE
      WSST = 0.05D0
      RETURN
      END
C=====================================================================
C     INITTS -- initial state: T from the control, S analytic.
C=====================================================================
      SUBROUTINE INITTS(X, NZ)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NZMAX = 400)
      DIMENSION X(NZ+2)
      COMMON /GRID/ DZ, DT, ZC(NZMAX), ZW(NZMAX), NLEV
      COMMON /STATE/ T(NZMAX), S(NZMAX)
C
      DO 10 K = 1, NLEV
         T(K) = X(K)
         S(K) = 34.8D0 + 0.4D0*(1.0D0 - EXP(-ZC(K)/50.0D0))
   10 CONTINUE
      RETURN
      END
C=====================================================================
C     FORCE -- surface forcing of time step IT: daytime solar heating
C     X(NZ+1)*MAX(0, SIN(2 PI t/DAY))**2 (daily mean X(NZ+1)/4) plus a
C     constant cooling QMEAN, a constant evaporation (salt flux) and
C     the wind-driven surface diffusivity X(NZ+2).  The MAX acts on
C     passive data (the time) only.  Results in COMMON /FORC/.
C=====================================================================
      SUBROUTINE FORCE(X, NZ, IT)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NZMAX = 400)
      PARAMETER (QMEAN = -85.0D0, DAY = 86400.0D0)
      DIMENSION X(NZ+2)
      COMMON /GRID/ DZ, DT, ZC(NZMAX), ZW(NZMAX), NLEV
      COMMON /FORC/ QSURF, FSALT, AKWIND
C
      PI    = 4.0D0*ATAN(1.0D0)
      TIME  = (DBLE(IT) - 0.5D0)*DT
      QSURF = QMEAN + X(NZ+1)*MAX(0.0D0, SIN(2.0D0*PI*TIME/DAY))**2
      FSALT = 2.0D-8
      AKWIND = X(NZ+2)
      RETURN
      END
C=====================================================================
C     ACCUM -- adds the squared misfit of the sea-surface temperature
C     T(1) to a synthetic observation at step IT to the running cost.
C=====================================================================
      SUBROUTINE ACCUM(IT)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NZMAX = 400)
      PARAMETER (DAY = 86400.0D0)
      COMMON /GRID/ DZ, DT, ZC(NZMAX), ZW(NZMAX), NLEV
      COMMON /STATE/ T(NZMAX), S(NZMAX)
      COMMON /COST/ FACC, WSST
C
      PI   = 4.0D0*ATAN(1.0D0)
      TIME = DBLE(IT)*DT
      SSTO = 19.5D0 + 0.3D0*SIN(2.0D0*PI*(TIME/DAY - 0.3D0))
      FACC = FACC + WSST*(DT/DAY)*(T(1) - SSTO)**2
      RETURN
      END
