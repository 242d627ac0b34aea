! Look cursor: each look reads the item below the cursor and moves it down; every
! push or pop puts the cursor back on the top.  The pattern of generated code:
! snapshot pushes; later look all of them, run code that pushes and pops its own
! items, then pop the snapshot items.
program t_look
  use fadj_stack
  use, intrinsic :: iso_fortran_env, only: int32, int64, real32, real64
  implicit none
  real(real64) :: a, a2
  integer(int32) :: v(3), v2(3)
  logical :: f, f2
  complex(real32) :: z, z2
  real(real64) :: big(1000), big2(1000)
  integer(int32) :: i, nok, nfail
  integer(int64) :: held

  nok = 0
  nfail = 0
  call fadj_stack_reset()
  a = 1.5_real64
  v = [7_int32, -8_int32, 9_int32]
  f = .true.
  z = (2.5_real32, -3.0_real32)
  big = [(real(i, real64) / 3, i = 1, 1000)]

  call fadj_push(big)
  call fadj_push(a)
  call fadj_push(v)
  call fadj_push(f)
  call fadj_push(z)
  held = fadj_stack_bytes()

  ! look all five, top first
  z2 = 0; f2 = .false.; v2 = 0; a2 = 0; big2 = 0
  call fadj_look(z2)
  call fadj_look(f2)
  call fadj_look(v2)
  call fadj_look(a2)
  call fadj_look(big2)
  call check('first looks', z2 == z .and. (f2 .eqv. f) .and. all(v2 == v) .and. a2 == a .and. all(big2 == big))
  call check('looks leave the stack alone', fadj_stack_bytes() == held)

  ! nested code pushes and pops its own items: the cursor is back on the top afterwards
  call fadj_push(99.0_real64)
  call fadj_push([1_int32, 2_int32])
  call fadj_look(v2(1:2))
  call check('look inside nested code', all(v2(1:2) == [1_int32, 2_int32]))
  call fadj_pop(v2(1:2))
  call fadj_pop(a2)
  call check('nested pops', a2 == 99.0_real64 .and. all(v2(1:2) == [1_int32, 2_int32]))

  ! after a pop the cursor restarts at the top
  z2 = 0; f2 = .false.; v2 = 0
  call fadj_look(z2)
  call fadj_look(f2)
  call check('looks restart at the top after a pop', z2 == z .and. (f2 .eqv. f))
  ! a push also resets the cursor
  call fadj_push(3_int32)
  call fadj_look(i)
  call check('look after a push reads the pushed item', i == 3_int32)
  call fadj_look(z2)
  call check('next look goes below it', z2 == z)
  call fadj_pop(i)

  ! then the snapshot pops work as normal
  z2 = 0; f2 = .false.; v2 = 0; a2 = 0; big2 = 0
  call fadj_pop(z2)
  call fadj_look(f2)        ! cursor reset by the pop: reads f
  call check('look after pop', f2 .eqv. f)
  call fadj_pop(f2)
  call fadj_pop(v2)
  call fadj_look(a2)
  call fadj_look(big2)
  call check('look down to the bottom', a2 == a .and. all(big2 == big))
  a2 = 0; big2 = 0
  call fadj_pop(a2)
  call fadj_pop(big2)
  call check('pops', z2 == z .and. (f2 .eqv. f) .and. all(v2 == v) .and. a2 == a .and. all(big2 == big))
  call check('empty', fadj_stack_bytes() == 0)
  write (*, '(a,i0,a,i0)') 'passed ', nok, ' failed ', nfail

contains

  subroutine check(what, ok)
    character(len=*), intent(in) :: what
    logical, intent(in) :: ok
    if (ok) then
      nok = nok + 1
    else
      nfail = nfail + 1
      write (*, '(a)') 'FAIL ' // what
    end if
  end subroutine check

end program t_look
