C=====================================================================
C     EVOLV -- NSTEP explicit Euler steps of the Nagumo equation
C
C        u_t = D u_xx + RK u (1 - u) (u - A)
C
C     on N interior nodes of spacing H, with u = 0 at both ends
C     (homogeneous Dirichlet).  The step DT = CFL*H**2/D keeps the
C     scheme stable.  U(1:N) is updated in place; V is a work array
C     of the fixed size NMAX (N must not exceed NMAX).
C=====================================================================
      SUBROUTINE EVOLV(U, N, NSTEP, H)
      IMPLICIT DOUBLE PRECISION (A-H,O-Z)
      PARAMETER (NMAX = 64)
      PARAMETER (D = 0.02D0, RK = 8.0D0, A = 0.3D0, CFL = 0.4D0)
      DIMENSION U(N), V(NMAX)
C
      DT = CFL*H*H/D
      C  = D*DT/(H*H)
      DO 30 K = 1, NSTEP
C        new values from old ones, boundary neighbours are zero
         DO 10 I = 1, N
            IF (I .EQ. 1) THEN
               UL = 0.0D0
            ELSE
               UL = U(I-1)
            END IF
            IF (I .EQ. N) THEN
               UR = 0.0D0
            ELSE
               UR = U(I+1)
            END IF
            UI   = U(I)
            V(I) = UI + C*(UL - 2.0D0*UI + UR)
     &           + DT*RK*UI*(1.0D0 - UI)*(UI - A)
   10    CONTINUE
C        copy back: the update is in place for the caller
         DO 20 I = 1, N
            U(I) = V(I)
   20    CONTINUE
   30 CONTINUE
      RETURN
      END
