C=====================================================================
C     COST -- objective of a 1-D inverse reaction-diffusion problem.
C
C     The control X(1:N) parametrises the initial state on the N
C     interior nodes of the unit interval (spacing H = 1/(N+1)):
C        U0(I) = (1 + TANH(X(I)))/2,   so 0 < U0 < 1.
C     The state is advanced in place by NSTEP explicit Euler steps of
C     the Nagumo equation (routine EVOLV, file helper.f) and compared
C     with a synthetic observation UOBS.  A smooth nonlocal term
C     penalises differences between all pairs of control values:
C
C        F = H/2 * SUM_I (U(I) - UOBS(I))**2
C          + ALPHA*H*H * SUM_{I<J} W(J-I) * SQRT(1 + (X(I)-X(J))**2)
C
C     with the Gaussian weight W(K) = EXP(-(K*H/RLEN)**2).
C     Local work arrays have the fixed size NMAX: N must not exceed
C     NMAX.  Implicit typing: A-H, O-Z double precision, I-N integer.
C=====================================================================
      SUBROUTINE COST(X, N, F)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NMAX = 64, NSTEP = 10)
      PARAMETER (ALPHA = 0.05D0, RLEN = 0.2D0)
      DIMENSION X(N), U(NMAX)
C
      F = 0.0D0
      IF (N .LE. 0) RETURN
      PI = 4.0D0*ATAN(1.0D0)
      H  = 1.0D0/DBLE(N+1)
C
C     initial state from the control
      DO 10 I = 1, N
         U(I) = 0.5D0*(1.0D0 + TANH(X(I)))
   10 CONTINUE
C
C     time integration, U is updated in place
      CALL EVOLV(U, N, NSTEP, H)
C
C     data misfit against a synthetic observation (passive data)
      FMIS = 0.0D0
      DO 20 I = 1, N
         XI   = DBLE(I)*H
         UOBS = 0.5D0 + 0.3D0*SIN(PI*XI)*COS(0.5D0*PI*XI)
         FMIS = FMIS + (U(I) - UOBS)**2
   20 CONTINUE
C
C     nonlocal regularisation: two nested loops share one CONTINUE
      REG = 0.0D0
      DO 30 I = 1, N-1
      DO 30 J = I+1, N
         R   = DBLE(J-I)*H/RLEN
         WIJ = EXP(-R*R)
         REG = REG + WIJ*SQRT(1.0D0 + (X(I) - X(J))**2)
   30 CONTINUE
C
      F = 0.5D0*H*FMIS
     &  + ALPHA*H*H*REG
      RETURN
      END
