C=====================================================================
C     Physics of the CHEMCOL column: conduction, reaction, boundaries.
C     All routines work on the COMMON blocks in place.
C=====================================================================
C
C---------------------------------------------------------------------
C     DIFFUS -- one explicit step of heat conduction and fuel
C     diffusion, zero flux through the top and bottom faces (the
C     boundary exchanges are applied by BNDRY).  The conductivity at
C     an interface follows the law of the layer of the upper cell,
C     selected with a computed GOTO.
C---------------------------------------------------------------------
      SUBROUTINE DIFFUS
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NMAX = 64)
      COMMON /GRID/ DZ, DT, ZC(NMAX), NZ, NSTEP, NOBS, KLAY(NMAX)
      COMMON /STATE/ T(NMAX), C(NMAX)
      COMMON /PHYS/ AKAP(3), DFUEL, AREF, EACT, QHEAT, TAIR, TBOT,
     &              HSUR, HBOT
      DIMENSION FLX(0:NMAX), CW(0:NMAX+1)
C
      FLX(0) = 0.0D0
      FLX(NZ) = 0.0D0
      DO 30 I = 1, NZ - 1
         TM = 0.5D0*(T(I) + T(I+1))
         K = KLAY(I)
         GOTO (11, 12, 13) K
C        layer 1: conductivity grows linearly with temperature
   11    AK = AKAP(1)*(1.0D0 + 0.1D0*TM)
         GOTO 20
C        layer 2: quadratic law
   12    AK = AKAP(2)*(1.0D0 + 0.05D0*TM*TM)
         GOTO 20
C        layer 3: phonon-like decrease
   13    AK = AKAP(3)/(1.0D0 + 0.2D0*TM)
   20    FLX(I) = -AK*(T(I+1) - T(I))/DZ
   30 CONTINUE
      DO 40 I = 1, NZ
         T(I) = T(I) - DT*(FLX(I) - FLX(I-1))/DZ
   40 CONTINUE
C
C     fuel: constant diffusivity, mirrored ghost cells
      DO 50 I = 1, NZ
         CW(I) = C(I)
   50 CONTINUE
      CW(0) = CW(1)
      CW(NZ+1) = CW(NZ)
      R = DFUEL*DT/(DZ*DZ)
      DO 60 I = 1, NZ
         C(I) = CW(I) + R*(CW(I+1) - 2.0D0*CW(I) + CW(I-1))
   60 CONTINUE
      RETURN
      END
C
C---------------------------------------------------------------------
C     REACT -- fuel consumption dC/dt = -RATE(T)*C**2, backward Euler
C     in C with the rate frozen at the old temperature:
C        CN + DT*RATE*CN**2 = COLD,
C     solved by Newton's method (backward GOTO to 100, forward GOTO
C     to 200 on convergence).  The consumed fuel releases QHEAT per
C     unit, divided by the heat capacity CPTAB(T).
C---------------------------------------------------------------------
      SUBROUTINE REACT
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NMAX = 64)
      COMMON /GRID/ DZ, DT, ZC(NMAX), NZ, NSTEP, NOBS, KLAY(NMAX)
      COMMON /STATE/ T(NMAX), C(NMAX)
      COMMON /PHYS/ AKAP(3), DFUEL, AREF, EACT, QHEAT, TAIR, TBOT,
     &              HSUR, HBOT
      COMMON /DIAG/ NNEWT, NFAIL, NSRCH
      DATA MAXIT /30/, TOLN /1.0D-14/, CMIN /1.0D-10/
C
      DO 300 I = 1, NZ
         COLD = C(I)
C        nothing to burn: forward jump to the end of the DO loop
         IF (COLD .LE. CMIN) GOTO 300
         DTR = DT*RATE(T(I))
         CN = COLD
         IT = 0
  100    CONTINUE
         IT = IT + 1
         G = CN + DTR*CN*CN - COLD
         GP = 1.0D0 + 2.0D0*DTR*CN
         DEL = G/GP
         CN = CN - DEL
         IF (ABS(DEL) .LE. TOLN*CN) GOTO 200
         IF (IT .LT. MAXIT) GOTO 100
         NFAIL = NFAIL + 1
  200    CONTINUE
         NNEWT = NNEWT + IT
         T(I) = T(I) + QHEAT*(COLD - CN)/CPTAB(T(I))
         C(I) = CN
  300 CONTINUE
      RETURN
      END
C
C---------------------------------------------------------------------
C     RATE -- Arrhenius rate in scaled temperature (statement function)
C---------------------------------------------------------------------
      DOUBLE PRECISION FUNCTION RATE(TT)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      COMMON /PHYS/ AKAP(3), DFUEL, AREF, EACT, QHEAT, TAIR, TBOT,
     &              HSUR, HBOT
      ARRH(S) = AREF*EXP(EACT*(1.0D0 - 1.0D0/S))
      RATE = ARRH(TT)
      RETURN
      END
C
C---------------------------------------------------------------------
C     CPTAB -- heat capacity, linear interpolation in a DATA table.
C     The interval is found by bisection written as a backward GOTO
C     loop; outside the table the end values are used.
C---------------------------------------------------------------------
      DOUBLE PRECISION FUNCTION CPTAB(TT)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NTAB = 9)
      COMMON /DIAG/ NNEWT, NFAIL, NSRCH
      DIMENSION TTAB(NTAB), CTAB(NTAB)
      DATA TTAB /0.50D0, 0.75D0, 1.00D0, 1.25D0, 1.50D0, 1.75D0,
     &           2.00D0, 2.50D0, 3.00D0/
      DATA CTAB /0.80D0, 0.86D0, 0.95D0, 1.07D0, 1.20D0, 1.31D0,
     &           1.40D0, 1.52D0, 1.58D0/
C
      IF (TT .GT. TTAB(1)) GOTO 10
      CPTAB = CTAB(1)
      RETURN
   10 IF (TT .LT. TTAB(NTAB)) GOTO 20
      CPTAB = CTAB(NTAB)
      RETURN
C     bisection: TTAB(ILO) <= TT < TTAB(IHI)
   20 ILO = 1
      IHI = NTAB
   30 IF (IHI - ILO .LE. 1) GOTO 50
      NSRCH = NSRCH + 1
      MID = (ILO + IHI)/2
      IF (TT .LT. TTAB(MID)) GOTO 40
      ILO = MID
      GOTO 30
   40 IHI = MID
      GOTO 30
   50 W = (TT - TTAB(ILO))/(TTAB(IHI) - TTAB(ILO))
      CPTAB = (1.0D0 - W)*CTAB(ILO) + W*CTAB(IHI)
      RETURN
      END
C
C---------------------------------------------------------------------
C     BNDRY -- surface exchange with the air: linear when the surface
C     is colder than the air, with an extra quadratic loss when it is
C     warmer (three-way arithmetic IF); the bottom cell relaxes to
C     TBOT (two-way arithmetic IF, the same law on both sides).
C---------------------------------------------------------------------
      SUBROUTINE BNDRY
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NMAX = 64)
      COMMON /GRID/ DZ, DT, ZC(NMAX), NZ, NSTEP, NOBS, KLAY(NMAX)
      COMMON /STATE/ T(NMAX), C(NMAX)
      COMMON /PHYS/ AKAP(3), DFUEL, AREF, EACT, QHEAT, TAIR, TBOT,
     &              HSUR, HBOT
      DATA SIG /0.4D0/
C
      D = T(1) - TAIR
      IF (D) 10, 20, 30
   10 Q = HSUR*D
      GOTO 40
   20 Q = 0.0D0
      GOTO 40
   30 Q = HSUR*D + SIG*D*D
   40 T(1) = T(1) - DT*Q/DZ
C
      D = T(NZ) - TBOT
      IF (D) 50, 50, 60
   50 T(NZ) = T(NZ) - DT*HBOT*D/DZ
      GOTO 70
   60 T(NZ) = T(NZ) - DT*HBOT*D/(DZ*(1.0D0 + D))
   70 CONTINUE
      RETURN
      END
