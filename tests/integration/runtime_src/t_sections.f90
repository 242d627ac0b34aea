! Strided and reversed sections, array elements and zero-size arrays: pops write
! exactly the elements of the section (nothing else) and zero-size pushes hold nothing.
program t_sections
  use fadj_stack
  use, intrinsic :: iso_fortran_env, only: int32, int64, real64
  implicit none
  integer(int32), parameter :: n = 10
  real(real64) :: a(n, 4), orig(n, 4), c(2, 2)
  integer(int32) :: k(3, 5), korig(3, 5)
  real(real64), allocatable :: empty(:), empty2(:, :)
  integer(int32) :: i, j, nok, nfail
  integer(int64) :: b0

  nok = 0
  nfail = 0
  call fadj_stack_reset()
  do j = 1, 4
    do i = 1, n
      a(i, j) = real(100 * j + i, real64) + 0.125_real64
    end do
  end do
  orig = a
  k = reshape([(int(7 * i - 50, int32), i = 1, 15)], [3, 5])
  korig = k
  allocate(empty(0), empty2(3, 0))

  call fadj_push(a(1:n:3, 2))            ! a(1,2) a(4,2) a(7,2) a(10,2)
  write (*, '(a,i0)') 'bytes_strided ', fadj_stack_bytes()
  call fadj_push(a(2, 3))                ! element
  call fadj_push(a(n:1:-2, 4))           ! reversed stride
  b0 = fadj_stack_bytes()
  call fadj_push(a(1:0, 1))              ! zero-size section
  call fadj_push(empty)
  call fadj_push(empty2)
  call check('zero-size pushes hold nothing', fadj_stack_bytes() == b0)
  call fadj_push(a(2:9:2, 1:4:3))        ! 2-d strided section, 4 x 2
  call fadj_push(k(3:1:-2, 2:5:3))       ! integer 2-d section, 2 x 2
  call fadj_push(a(1:n:3, 2))            ! pushed again, popped into a 2x2 array below
  write (*, '(a,i0)') 'bytes_all ', fadj_stack_bytes()

  a = -1.0_real64
  k = -1_int32
  call fadj_pop(c)                       ! same size (4), other shape
  call check('pop into other shape', all(c == reshape(orig(1:n:3, 2), [2, 2])))
  call fadj_pop(k(3:1:-2, 2:5:3))
  call fadj_pop(a(2:9:2, 1:4:3))
  b0 = fadj_stack_bytes()
  call fadj_pop(empty2)
  call fadj_pop(empty)
  call fadj_look(empty)
  call fadj_pop(a(1:0, 1))
  call check('zero-size pops take nothing', fadj_stack_bytes() == b0)
  call fadj_pop(a(n:1:-2, 4))
  call fadj_pop(a(2, 3))
  call fadj_pop(a(1:n:3, 2))
  call check('stack empty', fadj_stack_bytes() == 0)

  ! restored exactly the pushed elements, untouched elsewhere
  call check('strided column', all(a(1:n:3, 2) == orig(1:n:3, 2)))
  call check('element', a(2, 3) == orig(2, 3))
  call check('reversed', all(a(n:1:-2, 4) == orig(n:1:-2, 4)))
  call check('2-d section', all(a(2:9:2, 1:4:3) == orig(2:9:2, 1:4:3)))
  call check('integer 2-d section', all(k(3:1:-2, 2:5:3) == korig(3:1:-2, 2:5:3)))
  ! 4 + 1 + 5 + 8 elements, of which a(2:8:2, 4) are in both a(n:1:-2, 4) and a(2:9:2, 1:4:3)
  call check('nothing else written (real)', count(a /= -1.0_real64) == 4 + 1 + 5 + 8 - 4)
  call check('nothing else written (integer)', count(k /= -1_int32) == 4)
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

end program t_sections
