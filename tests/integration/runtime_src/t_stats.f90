! Byte statistics: printed as "name value" lines; the pytest side checks exact values.
program t_stats
  use fadj_stack
  use, intrinsic :: iso_fortran_env, only: int32, int64, real32, real64
  implicit none
  real(real64) :: x, r(100)
  integer(int32) :: iv(10)
  real(real32) :: s
  complex(real64) :: z

  call fadj_stack_reset()
  x = 1
  r = 2
  iv = 3
  s = 4
  z = (5, 6)
  call show('start')
  call fadj_push(x)                  ! 8
  call fadj_push(iv)                 ! 40
  call show('two_pushes')            ! bytes 48 peak 48
  call fadj_pop(iv)
  call show('one_pop')               ! bytes 8 peak 48
  call fadj_stack_reset_peak()
  call show('reset_peak')            ! bytes 8 peak 8
  call fadj_push(z)                  ! 16
  call fadj_look(z)
  call show('push_look')             ! bytes 24 peak 24
  call fadj_pop(z)
  call fadj_pop(x)
  call show('popped')                ! bytes 0 peak 24

  ! snapshot bytes (nested brackets), pushed bytes, recomputations
  call fadj_stats_reset()
  call show('stats_reset')           ! peak 0 pushed 0
  call fadj_stats_snapshot_begin()
  call fadj_push(r)                  ! 800, snapshot
  call fadj_stats_snapshot_begin()
  call fadj_push(x)                  ! 8, snapshot
  call fadj_stats_snapshot_end()
  call fadj_push(s)                  ! 4, still inside the outer snapshot
  call show('open_snapshot')         ! snapshot 812 so far
  call fadj_stats_snapshot_end()
  call fadj_push(x)                  ! 8, not a snapshot
  call fadj_stats_recompute()
  call fadj_stats_recompute()
  call fadj_stats_recompute()
  call show('snapshots')             ! bytes 820 peak 820 pushed 820 snapshot 812 recomp 3
  call fadj_pop(x)
  call fadj_pop(s)
  call fadj_pop(x)
  call fadj_pop(r)
  call show('all_popped')            ! bytes 0 peak 820 pushed 820
  call fadj_stats_report('cost_b')
  call fadj_push(r)
  call fadj_stats_report('second')   ! peak 1600 cumulative pushes
  call fadj_stack_reset()
  call show('after_reset')           ! everything 0

contains

  subroutine show(label)
    character(len=*), intent(in) :: label
    write (*, '(a,1x,5(i0,1x))') label, fadj_stack_bytes(), fadj_stack_peak_bytes(), &
         fadj_stats_pushed_bytes(), fadj_stats_snapshot_bytes(), fadj_stats_recomputations()
  end subroutine show

end program t_stats
