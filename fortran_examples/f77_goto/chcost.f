C=====================================================================
C     ACCUM -- misfit of the column state against synthetic
C     observations at time TIME, added to COMMON /COSTC/.  The cell
C     loop is a backward GOTO; an arithmetic IF weighs temperatures
C     below the observation more (the penalty is C1 at the switch).
C     /STATE/ is declared here under other member names (TT, CC).
C=====================================================================
      SUBROUTINE ACCUM(TIME)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NMAX = 64)
      COMMON /GRID/ DZ, DT, ZC(NMAX), NZ, NSTEP, NOBS, KLAY(NMAX)
      COMMON /STATE/ TT(NMAX), CC(NMAX)
      COMMON /COSTC/ FACC, NACC
      DATA WLO, WHI, WC /2.0D0, 1.0D0, 0.5D0/
C
      PI = 4.0D0*ATAN(1.0D0)
      DECAY = EXP(-2.0D0*TIME)
      I = 0
   10 I = I + 1
      IF (I .GT. NZ) GOTO 90
      TOBS = 1.05D0 + 0.25D0*DECAY*COS(PI*ZC(I)) + 0.1D0*ZC(I)
      COBS = 0.45D0*DECAY*(1.0D0 - 0.5D0*ZC(I))
      D = TT(I) - TOBS
      IF (D) 20, 30, 30
   20 FACC = FACC + WLO*DZ*D*D
      GOTO 40
   30 FACC = FACC + WHI*DZ*D*D
   40 FACC = FACC + WC*DZ*(CC(I) - COBS)**2
      GOTO 10
   90 NACC = NACC + 1
      RETURN
      END
