C=====================================================================
C     STEP -- one time step of the column model: density, mixing
C     coefficients, surface fluxes, then implicit vertical diffusion
C     of temperature and salinity (the COMMON arrays T and S are
C     passed as actual arguments).
C=====================================================================
      SUBROUTINE STEP
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NZMAX = 400)
      COMMON /STATE/ T(NZMAX), S(NZMAX)
C
      CALL EOS
      CALL MIXCOF
      CALL SURFBC
      CALL DIFFUS(T)
      CALL DIFFUS(S)
      RETURN
      END
C=====================================================================
C     RHOF -- nonlinear equation of state: density anomaly rho - R0
C     (kg/m**3, anomalies keep the vertical differences accurate),
C     quadratic in temperature, linear in salinity.
C=====================================================================
      DOUBLE PRECISION FUNCTION RHOF(TT, SS)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (R0 = 1025.0D0, T0 = 10.0D0, S0 = 35.0D0)
      PARAMETER (TA = 1.6D-4, TB = 5.0D-6, SB = 7.6D-4)
      RHOF = R0*(-TA*(TT - T0) - TB*(TT - T0)**2
     &           + SB*(SS - S0))
      RETURN
      END
C=====================================================================
C     EOS -- density anomaly of every level into COMMON /DENS/.
C=====================================================================
      SUBROUTINE EOS
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NZMAX = 400)
      COMMON /GRID/ DZ, DT, ZC(NZMAX), ZW(NZMAX), NLEV
      COMMON /STATE/ T(NZMAX), S(NZMAX)
      COMMON /DENS/ RHO(NZMAX)
C
      DO 10 K = 1, NLEV
         RHO(K) = RHOF(T(K), S(K))
   10 CONTINUE
      RETURN
      END
C=====================================================================
C     AKVF -- vertical diffusivity (m**2/s) at depth Z for the squared
C     buoyancy frequency BV2: background + wind-driven mixing decaying
C     with depth and damped by stable stratification.  SP is a smoothed
C     MAX(BV2, 0) (no kink at neutral stratification); the damping is
C     of first order in SP so that the buoyancy flux AKVF*BV2 grows
C     with BV2 (a well-posed mixing scheme, no layering instability).
C     AKWIND comes from COMMON /FORC/.
C=====================================================================
      DOUBLE PRECISION FUNCTION AKVF(BV2, Z)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (AKB = 1.0D-5, HW = 25.0D0, RIC = 2.0D0)
      PARAMETER (BVR = 1.0D-4, BVE = 1.0D-5)
      COMMON /FORC/ QSURF, FSALT, AKWIND
C
      SP   = 0.5D0*(BV2 + SQRT(BV2*BV2 + BVE*BVE))
      DAMP = 1.0D0 + RIC*SP/BVR
      AKVF = AKB + AKWIND*EXP(-Z/HW)/DAMP
      RETURN
      END
C=====================================================================
C     MIXCOF -- diffusivities AKV(K) at the interfaces K = 1..NLEV-1
C     (between levels K and K+1) into COMMON /MIX/.
C=====================================================================
      SUBROUTINE MIXCOF
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NZMAX = 400)
      PARAMETER (G = 9.81D0, R0 = 1025.0D0)
      COMMON /GRID/ DZ, DT, ZC(NZMAX), ZW(NZMAX), NLEV
      COMMON /DENS/ RHO(NZMAX)
      COMMON /MIX/ AKV(NZMAX)
C
      DO 10 K = 1, NLEV-1
         BV2    = G/R0*(RHO(K+1) - RHO(K))/DZ
         AKV(K) = AKVF(BV2, ZW(K))
   10 CONTINUE
      RETURN
      END
C=====================================================================
C     SURFBC -- surface heat flux (W/m**2) and evaporation (1/s, salt
C     concentration) applied to the top level.
C=====================================================================
      SUBROUTINE SURFBC
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NZMAX = 400)
      PARAMETER (R0 = 1025.0D0, CP = 3990.0D0)
      COMMON /GRID/ DZ, DT, ZC(NZMAX), ZW(NZMAX), NLEV
      COMMON /STATE/ T(NZMAX), S(NZMAX)
      COMMON /FORC/ QSURF, FSALT, AKWIND
C
      T(1) = T(1) + DT*QSURF/(R0*CP*DZ)
      S(1) = S(1) + DT*FSALT*S(1)/DZ
      RETURN
      END
C=====================================================================
C     DIFFUS -- one backward-Euler step of vertical diffusion of C with
C     the interface diffusivities AKV, no flux at the top and bottom:
C       -A(K) C(K-1) + (1 + A(K) + B(K)) C(K) - B(K) C(K+1) = Cold(K)
C     C is updated in place.
C=====================================================================
      SUBROUTINE DIFFUS(C)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NZMAX = 400)
      DIMENSION C(NZMAX)
      DIMENSION AL(NZMAX), DI(NZMAX), UP(NZMAX), RHS(NZMAX)
      DIMENSION U(NZMAX)
      COMMON /GRID/ DZ, DT, ZC(NZMAX), ZW(NZMAX), NLEV
      COMMON /MIX/ AKV(NZMAX)
C
      R = DT/(DZ*DZ)
      DO 10 K = 1, NLEV
         IF (K .EQ. 1) THEN
            AL(K) = 0.0D0
         ELSE
            AL(K) = -R*AKV(K-1)
         END IF
         IF (K .EQ. NLEV) THEN
            UP(K) = 0.0D0
         ELSE
            UP(K) = -R*AKV(K)
         END IF
         DI(K)  = 1.0D0 - AL(K) - UP(K)
         RHS(K) = C(K)
   10 CONTINUE
      CALL TRIDAG(AL, DI, UP, RHS, U, NLEV)
      DO 20 K = 1, NLEV
         C(K) = U(K)
   20 CONTINUE
      RETURN
      END
C=====================================================================
C     TRIDAG -- solves the tridiagonal system with sub-diagonal A,
C     diagonal B, super-diagonal C and right-hand side R for U
C     (Thomas algorithm; the system is diagonally dominant).
C=====================================================================
      SUBROUTINE TRIDAG(A, B, C, R, U, N)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NZMAX = 400)
      DIMENSION A(N), B(N), C(N), R(N), U(N), GAM(NZMAX)
C
      BET  = B(1)
      U(1) = R(1)/BET
      DO 11 J = 2, N
         GAM(J) = C(J-1)/BET
         BET    = B(J) - A(J)*GAM(J)
         U(J)   = (R(J) - A(J)*U(J-1))/BET
   11 CONTINUE
      DO 12 J = N-1, 1, -1
         U(J) = U(J) - GAM(J+1)*U(J+1)
   12 CONTINUE
      RETURN
      END
