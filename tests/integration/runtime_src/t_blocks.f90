! Items larger than a block (default 8 MiB blocks), odd-sized items so that scalars
! straddle block boundaries, and push/pop ping-pong right at a block boundary.
program t_blocks
  use fadj_stack
  use, intrinsic :: iso_fortran_env, only: int32, int64, real32, real64
  implicit none
  integer(int64), parameter :: nbig = 9 * 131072 + 3       ! 9 MiB + 24 bytes of real(8)
  integer(int64), parameter :: nhuge = 5 * 1048576 + 1     ! 20 MiB + 4 bytes of integer(4)
  integer(int64), parameter :: nscal = 1500000             ! 12 MB of scalars
  real(real64), allocatable :: big(:), big2(:)
  integer(int32), allocatable :: hug(:), hug2(:)
  real(real64) :: x
  real(real32) :: y
  integer(int64) :: i, errors, b0

  errors = 0
  call fadj_stack_reset()
  allocate(big(nbig), big2(nbig), hug(nhuge), hug2(nhuge))
  do i = 1, nbig
    big(i) = real(i, real64) * 0.5_real64 + 0.25_real64
  end do
  do i = 1, nhuge
    hug(i) = int(modulo(i * 2654435761_int64, 2147483647_int64), int32)
  end do

  call fadj_push(1.0_real32)                 ! 4 bytes: everything after is misaligned
  call fadj_push(big)
  do i = 1, nscal
    if (modulo(i, 3_int64) == 0) then
      call fadj_push(real(i, real32))
    else
      call fadj_push(real(i, real64))
    end if
  end do
  call fadj_push(hug)
  call fadj_push(big)
  write (*, '(a,i0)') 'bytes ', fadj_stack_bytes()

  ! ping-pong around the boundary that the last push crossed
  b0 = fadj_stack_bytes()
  do i = 1, 1000
    call fadj_push(real(i, real64))
    call fadj_push(hug(1:3))
    call fadj_pop(hug2(1:3))
    call fadj_pop(x)
    if (x /= real(i, real64) .or. any(hug2(1:3) /= hug(1:3))) errors = errors + 1
  end do
  if (fadj_stack_bytes() /= b0) errors = errors + 1

  big2 = 0
  call fadj_pop(big2)
  if (any(big2 /= big)) errors = errors + 1
  hug2 = 0
  call fadj_pop(hug2)
  if (any(hug2 /= hug)) errors = errors + 1
  do i = nscal, 1, -1
    if (modulo(i, 3_int64) == 0) then
      call fadj_pop(y)
      if (y /= real(i, real32)) errors = errors + 1
    else
      call fadj_pop(x)
      if (x /= real(i, real64)) errors = errors + 1
    end if
  end do
  big2 = 0
  call fadj_pop(big2)
  if (any(big2 /= big)) errors = errors + 1
  call fadj_pop(y)
  if (y /= 1.0_real32) errors = errors + 1
  write (*, '(a,i0)') 'bytes_end ', fadj_stack_bytes()
  write (*, '(a,i0)') 'peak ', fadj_stack_peak_bytes()
  write (*, '(a,i0)') 'errors ', errors
end program t_blocks
