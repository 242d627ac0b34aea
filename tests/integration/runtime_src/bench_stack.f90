! Rough timings of the fadj_stack runtime (not run by the tests; see test_runtime.py).
!   gfortran -O2 fadj_stack.f90 bench_stack.f90 && ./a.out
program bench_stack
  use fadj_stack
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  integer(int64), parameter :: nscal = 10000000_int64, nelem = 100000_int64, narr = 1000_int64
  real(real64), allocatable :: a(:), b(:)
  real(real64) :: x, s
  integer(int64) :: i, t0, t1, rate
  real(real64) :: tp, tq

  call system_clock(count_rate=rate)
  s = 0
  call system_clock(t0)
  do i = 1, nscal
    x = real(i, real64)
    call fadj_push(x)
  end do
  call system_clock(t1)
  tp = real(t1 - t0, real64) / rate
  call system_clock(t0)
  do i = 1, nscal
    call fadj_pop(x)
    s = s + x
  end do
  call system_clock(t1)
  tq = real(t1 - t0, real64) / rate
  write (*, '(a,i0,a,f7.3,a,f7.3,a,f6.2,a)') 'scalar real(8): ', nscal, ' pushes ', tp, ' s, pops ', tq, &
       ' s (', 1e9_real64 * (tp + tq) / (2 * nscal), ' ns per op)'

  allocate(a(nelem), b(nelem))
  call random_number(a)
  ! push then pop right away: in-cache block copies
  call system_clock(t0)
  do i = 1, narr
    call fadj_push(a)
    call fadj_pop(b)
  end do
  call system_clock(t1)
  tp = real(t1 - t0, real64) / rate
  write (*, '(a,i0,a,i0,a,f7.3,a,f6.2,a)') 'array real(8)(', nelem, '): ', narr, ' push+pop pairs ', tp, &
       ' s (', 2 * narr * nelem * 8 / tp / 1e9_real64, ' GB/s)'
  ! all pushes, then all pops: 800 MB tape
  call system_clock(t0)
  do i = 1, narr
    a(1) = real(i, real64)
    call fadj_push(a)
  end do
  call system_clock(t1)
  tp = real(t1 - t0, real64) / rate
  call system_clock(t0)
  do i = narr, 1, -1
    call fadj_pop(b)
    if (b(1) /= real(i, real64)) error stop 'wrong value'
  end do
  call system_clock(t1)
  tq = real(t1 - t0, real64) / rate
  write (*, '(a,i0,a,i0,a,f7.3,a,f7.3,a,f6.2,a,i0)') 'array real(8)(', nelem, '): ', narr, ' pushes ', tp, &
       ' s then pops ', tq, ' s (', 2 * narr * nelem * 8 / (tp + tq) / 1e9_real64, ' GB/s), peak MB ', &
       fadj_stack_peak_bytes() / 1000000
  if (s < 0) print *, s
end program bench_stack
