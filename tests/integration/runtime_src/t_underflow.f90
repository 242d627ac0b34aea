! Popping more than the stack holds is an error that stops the program with a message.
program t_underflow
  use fadj_stack
  use, intrinsic :: iso_fortran_env, only: int32, real64
  implicit none
  real(real64) :: x
  integer(int32) :: k(3)
  call fadj_stack_reset()
  call fadj_push(1_int32)
  call fadj_push(2_int32)
  write (*, '(a)') 'before'
  call fadj_pop(k)
  write (*, '(a)') 'not reached'
  call fadj_pop(x)
end program t_underflow
