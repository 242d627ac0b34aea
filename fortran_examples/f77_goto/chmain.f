C=====================================================================
C     CHEMCOL -- legacy reactive heat-conduction column (FORTRAN 77).
C
C     A vertical column of NZ cells (unit depth, spacing DZ = 1/NZ)
C     holds a scaled temperature T and a fuel concentration C.  Every
C     time step (explicit operator splitting):
C       DIFFUS  heat conduction with a layer-dependent, temperature-
C               dependent conductivity (law chosen by a computed GOTO
C               on the layer index), slow diffusion of the fuel;
C       REACT   second-order Arrhenius consumption of the fuel,
C               backward Euler in C solved cell by cell by a Newton
C               iteration written with GOTOs; the released heat is
C               divided by a tabulated heat capacity (table search by
C               bisection, GOTO loop) and added to T;
C       BNDRY   surface exchange with the air and relaxation to the
C               bottom temperature (arithmetic IFs);
C       ACCUM   every NOBS steps, misfit against synthetic
C               observations accumulated in COMMON /COSTC/.
C     The time loop itself is a backward GOTO.
C
C     Controls X(1:N), N = 2*NZ + 1:
C       X(1:NZ)        initial temperature,
C       X(NZ+1:2*NZ)   initial fuel concentration (must be > 0),
C       X(2*NZ+1)      heat-release coefficient QHEAT (COMMON /PHYS/).
C     Output F = time-averaged misfit + regularisation of the controls.
C
C     The whole state lives in COMMON blocks shared by the routines;
C     implicit typing throughout (A-H, O-Z double precision).
C=====================================================================
      SUBROUTINE CHEMCOL(X, N, F)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NMAX = 64)
      DIMENSION X(N)
      COMMON /GRID/ DZ, DT, ZC(NMAX), NZ, NSTEP, NOBS, KLAY(NMAX)
      COMMON /STATE/ T(NMAX), C(NMAX)
      COMMON /PHYS/ AKAP(3), DFUEL, AREF, EACT, QHEAT, TAIR, TBOT,
     &              HSUR, HBOT
      COMMON /COSTC/ FACC, NACC
      COMMON /DIAG/ NNEWT, NFAIL, NSRCH
C
      F = 0.0D0
      NZ = (N - 1)/2
      IF (NZ .LT. 3 .OR. NZ .GT. NMAX) GOTO 900
      CALL SETUP
C
C     unpack the controls into the COMMON state
      DO 10 I = 1, NZ
         T(I) = X(I)
         C(I) = X(NZ + I)
   10 CONTINUE
      QHEAT = X(2*NZ + 1)
      FACC = 0.0D0
      NACC = 0
C
C     time loop: a backward jump to label 100
      ISTEP = 0
  100 CONTINUE
      ISTEP = ISTEP + 1
      CALL DIFFUS
      CALL REACT
      CALL BNDRY
C     observations every NOBS steps only: forward jump past ACCUM
      IF (MOD(ISTEP, NOBS) .NE. 0) GOTO 150
      TIME = DBLE(ISTEP)*DT
      CALL ACCUM(TIME)
  150 CONTINUE
      IF (ISTEP .LT. NSTEP) GOTO 100
C
C     regularisation of the controls, then the total cost
      CALL REGUL(X, N, RG)
      F = FACC/DBLE(MAX(NACC, 1)) + RG
      RETURN
C
  900 WRITE(*,*) 'CHEMCOL: bad size N =', N
      RETURN
      END
C
C=====================================================================
C     SETUP -- grid, layers and physical constants (DATA statements).
C=====================================================================
      SUBROUTINE SETUP
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NMAX = 64)
      COMMON /GRID/ DZ, DT, ZC(NMAX), NZ, NSTEP, NOBS, KLAY(NMAX)
      COMMON /PHYS/ AKAP(3), DFUEL, AREF, EACT, QHEAT, TAIR, TBOT,
     &              HSUR, HBOT
      COMMON /DIAG/ NNEWT, NFAIL, NSRCH
      DIMENSION AK0(3), ZLAY(2)
      DATA AK0 /0.030D0, 0.012D0, 0.045D0/
      DATA ZLAY /0.30D0, 0.65D0/
      DATA A0, E0, TA, TB /1.0D0, 8.0D0, 0.8D0, 1.1D0/
      DATA HS, HB, DF /0.5D0, 0.3D0, 0.004D0/
      DATA NST, NOB /50, 5/
C
      DZ = 1.0D0/DBLE(NZ)
C     explicit conduction: DT*K/DZ**2 stays below 0.25 for K < 0.06
      DT = 4.0D0*DZ*DZ
      NSTEP = NST
      NOBS = NOB
      DO 10 K = 1, 3
         AKAP(K) = AK0(K)
   10 CONTINUE
      DFUEL = DF
      AREF = A0
      EACT = E0
      TAIR = TA
      TBOT = TB
      HSUR = HS
      HBOT = HB
      NNEWT = 0
      NFAIL = 0
      NSRCH = 0
C
C     layer index of each cell: forward jumps to the loop end
      DO 20 I = 1, NZ
         ZC(I) = (DBLE(I) - 0.5D0)*DZ
         KLAY(I) = 3
         IF (ZC(I) .GT. ZLAY(2)) GOTO 20
         KLAY(I) = 2
         IF (ZC(I) .GT. ZLAY(1)) GOTO 20
         KLAY(I) = 1
   20 CONTINUE
      RETURN
      END
C
C=====================================================================
C     REGUL -- smoothness of the initial temperature, a log barrier on
C     the initial fuel and a prior on the heat-release coefficient.
C=====================================================================
      SUBROUTINE REGUL(X, N, RG)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      DIMENSION X(N)
      DATA ALPHA, BETA, GAMMA, Q0 /1.0D-3, 1.0D-3, 0.1D0, 0.5D0/
C
      NZ = (N - 1)/2
      DZ = 1.0D0/DBLE(NZ)
      RG = 0.0D0
      DO 10 I = 1, NZ - 1
         RG = RG + ALPHA*(X(I+1) - X(I))**2/DZ
   10 CONTINUE
      DO 20 I = NZ + 1, 2*NZ
         RG = RG - BETA*DZ*LOG(X(I))
   20 CONTINUE
      RG = RG + GAMMA*(X(N) - Q0)**2
      RETURN
      END
