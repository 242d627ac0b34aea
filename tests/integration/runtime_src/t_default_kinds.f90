! Default kinds (real, integer, logical, complex): resolves to the right specific
! whether or not -fdefault-real-8 -fdefault-integer-8 are in effect.
program t_default_kinds
  use fadj_stack
  implicit none
  real :: x, x2, a(4, 3), a2(4, 3)
  integer :: n, n2, iv(5), iv2(5)
  logical :: f, f2, fv(2), fv2(2)
  complex :: z, z2
  integer :: i

  call fadj_stack_reset()
  x = 1.0 / 3.0
  a = reshape([(real(i) / 7.0, i = 1, 12)], [4, 3])
  n = -huge(n)
  iv = [(i * i, i = 1, 5)]
  f = .true.
  fv = [.false., .true.]
  z = (0.1, -0.2)
  call fadj_push(x)
  call fadj_push(a(2:4:2, :))
  call fadj_push(n)
  call fadj_push(iv)
  call fadj_push(f)
  call fadj_push(fv)
  call fadj_push(z)
  write (*, '(a,i0)') 'bytes ', fadj_stack_bytes()
  a2 = 0
  call fadj_pop(z2)
  call fadj_pop(fv2)
  call fadj_pop(f2)
  call fadj_pop(iv2)
  call fadj_pop(n2)
  call fadj_pop(a2(2:4:2, :))
  call fadj_pop(x2)
  write (*, '(a,l1)') 'ok ', x2 == x .and. all(a2(2:4:2, :) == a(2:4:2, :)) .and. n2 == n .and. &
       all(iv2 == iv) .and. (f2 .eqv. f) .and. all(fv2 .eqv. fv) .and. z2 == z .and. fadj_stack_bytes() == 0
end program t_default_kinds
