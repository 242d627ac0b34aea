! Point kernels of the shallow_water example, called once per velocity
! point by the momentum routines (sw_physics.f90).
module sw_kernels
  use sw_params
  implicit none

contains

  ! Total water depth on a face from the depths of the two cells around it.
  double precision function face_depth(d1, d2)
    double precision, intent(in) :: d1, d2
    face_depth = 0.5d0*(d1 + d2)
  end function face_depth

  ! Quadratic bottom drag: the linear damping rate r (1/s) such that the
  ! bottom stress per unit mass is -r*(u, v), with the speed smoothed by a
  ! background velocity ubg (no kink at rest).
  subroutine drag_kernel(uu, vv, dface, r)
    double precision, intent(in) :: uu, vv, dface
    double precision, intent(out) :: r
    r = cdrag*sqrt(uu*uu + vv*vv + ubg*ubg)/dface
  end subroutine drag_kernel

  ! Five-point Laplacian of a velocity component from its centre value
  ! and its four neighbours.
  double precision function lap5(c, w, e, s, n)
    double precision, intent(in) :: c, w, e, s, n
    lap5 = (w - 2.0d0*c + e)*rdx*rdx + (s - 2.0d0*c + n)*rdy*rdy
  end function lap5

end module sw_kernels
