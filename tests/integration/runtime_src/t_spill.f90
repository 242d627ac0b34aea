! A 50 MB tape under FADJ_STACK_RAM=1M: blocks spill to FADJ_STACK_DIR and come back
! bit-identical for looks (snapshot pattern with nested pushes) and pops.  Prints the
! number of spill files in the directory at several points.
program t_spill
  use fadj_stack
  use, intrinsic :: iso_fortran_env, only: int32, int64, real64, output_unit
  implicit none
  integer(int64), parameter :: n = 131072 + 5     ! a bit over 1 MiB of real(8)
  integer(int64), parameter :: nitems = 48
  real(real64) :: a(n), b(n)
  integer(int64) :: k, errors, m
  integer(int32) :: tag

  errors = 0
  call fadj_stack_reset()
  do k = 1, nitems
    call fill(k, a)
    call fadj_push(a)
    call fadj_push(int(k, int32))
  end do
  write (*, '(a,i0)') 'bytes ', fadj_stack_bytes()
  call count_files('files_full')

  ! snapshot pattern: look the top 5 items ...
  do k = nitems, nitems - 4, -1
    call fadj_look(tag)
    call fadj_look(b)
    call fill(k, a)
    if (tag /= k .or. any(transfer(a, 1_int64, n) /= transfer(b, 1_int64, n))) errors = errors + 1
  end do
  ! ... nested code pushes 5 MB more and pops it ...
  do m = 1, 5
    call fill(1000 + m, a)
    call fadj_push(a)
  end do
  call count_files('files_nested')
  do m = 5, 1, -1
    call fadj_pop(b)
    call fill(1000 + m, a)
    if (any(a /= b)) errors = errors + 1
  end do
  ! ... a look after the nested pops starts again from the top ...
  call fadj_look(tag)
  if (tag /= nitems) errors = errors + 1
  ! ... and every item pops back exactly
  do k = nitems, 1, -1
    call fadj_pop(tag)
    call fadj_pop(b)
    call fill(k, a)
    if (tag /= k .or. any(transfer(a, 1_int64, n) /= transfer(b, 1_int64, n))) errors = errors + 1
  end do
  write (*, '(a,i0)') 'bytes_end ', fadj_stack_bytes()
  write (*, '(a,i0)') 'peak ', fadj_stack_peak_bytes()
  call count_files('files_end')

  ! fadj_stack_reset deletes the files of a tape that was not popped
  do k = 1, 10
    call fadj_push(a)
  end do
  call count_files('files_again')
  call fadj_stack_reset()
  call count_files('files_reset')
  write (*, '(a,i0)') 'errors ', errors

contains

  subroutine fill(k, a)
    integer(int64), intent(in) :: k
    real(real64), intent(out) :: a(:)
    integer(int64) :: i
    do i = 1, size(a, kind=int64)
      a(i) = real(k, real64) + real(i, real64) / 7.0_real64
    end do
  end subroutine fill

  subroutine count_files(label)
    character(len=*), intent(in) :: label
    write (*, '(a)', advance='no') label // ' '
    flush (output_unit)
    call execute_command_line('ls -1 "${FADJ_STACK_DIR:-.}" | grep -c "^fadj_stack_.*\.bin$" || true')
  end subroutine count_files

end program t_spill
