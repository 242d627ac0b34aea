! Random sequence of pushes, pops and look runs (with nested push/pop inside), checked
! against a model stack (and a model look cursor: the number of items below it,
! reset to the depth by every push and pop).  Item contents are recomputed from (kind, length, seed), so
! every pop and look is verified exactly.  Run with small FADJ_STACK_BLOCK and
! FADJ_STACK_RAM to exercise block boundaries and spill files.
program t_random
  use fadj_stack
  use, intrinsic :: iso_fortran_env, only: int32, int64, real32, real64
  implicit none
  integer(int64), parameter :: nops = 20000, maxdepth = 20000, maxlen = 200
  integer(int32) :: kinds(maxdepth)
  integer(int64) :: lens(maxdepth), seeds(maxdepth)
  integer(int64) :: depth, cursor, op, model_bytes, model_peak, state, errors, nlooks, npops, maxd
  integer(int64) :: j, k, m
  real(real64) :: u, ppush, ppop

  call fadj_stack_reset()
  depth = 0
  cursor = 0
  model_bytes = 0
  model_peak = 0
  state = 2024
  errors = 0
  nlooks = 0
  npops = 0
  maxd = 0
  do op = 1, nops
    ! grow the tape in the first third, balanced in the middle, shrink at the end
    if (3 * op < nops) then
      ppush = 0.6_real64; ppop = 0.9_real64
    else if (3 * op < 2 * nops) then
      ppush = 0.45_real64; ppop = 0.85_real64
    else
      ppush = 0.3_real64; ppop = 0.88_real64
    end if
    u = rnd()
    if ((u < ppush .or. depth == 0) .and. depth < maxdepth) then
      call push_new(op)
    else if (u < ppop) then
      call pop_check()
    else if (cursor > 0) then
      ! look run: look k items below the cursor, maybe nested push/pop, look the top again
      k = 1 + modulo(irnd(), min(cursor, 12_int64))
      do j = 1, k
        call look_check()
      end do
      if (rnd() < 0.5_real64) then
        m = 1 + modulo(irnd(), 3_int64)
        do j = 1, m
          call push_new(-op * 10 - j)
        end do
        do j = 1, m
          call pop_check()
        end do
        call look_check()
      end if
    end if
    if (fadj_stack_bytes() /= model_bytes) then
      errors = errors + 1
      write (*, '(a,i0,a,i0,a,i0)') 'FAIL bytes at op ', op, ': ', fadj_stack_bytes(), ' model ', model_bytes
    end if
    maxd = max(maxd, depth)
  end do
  do while (depth > 0)
    call pop_check()
  end do
  if (fadj_stack_peak_bytes() /= model_peak) then
    errors = errors + 1
    write (*, '(a,i0,a,i0)') 'FAIL peak ', fadj_stack_peak_bytes(), ' model ', model_peak
  end if
  write (*, '(a,i0)') 'max_depth ', maxd
  write (*, '(a,i0)') 'peak ', model_peak
  write (*, '(a,i0)') 'pops ', npops
  write (*, '(a,i0)') 'looks ', nlooks
  write (*, '(a,i0)') 'errors ', errors

contains

  real(real64) function rnd()
    rnd = real(irnd(), real64) / 2147483648.0_real64
  end function rnd

  integer(int64) function irnd()
    state = modulo(state * 1103515245_int64 + 12345_int64, 2147483648_int64)
    irnd = state
  end function irnd

  integer(int64) function item_bytes(kind, n)
    integer(int32), intent(in) :: kind
    integer(int64), intent(in) :: n
    select case (kind)
    case (1)
      item_bytes = 8 * n
    case (2)
      item_bytes = 4 * n
    case (3)
      item_bytes = 4
    case (4)
      item_bytes = 16
    case (5)
      item_bytes = 8 * 3 * n
    case (6)
      item_bytes = 4
    case default
      item_bytes = 8 * n
    end select
  end function item_bytes

  subroutine push_new(seed)
    integer(int64), intent(in) :: seed
    depth = depth + 1
    kinds(depth) = int(1 + modulo(irnd(), 7_int64), int32)
    lens(depth) = modulo(irnd(), maxlen + 1)
    if (modulo(irnd(), 4_int64) == 0) lens(depth) = modulo(irnd(), 4_int64)   ! many tiny items
    seeds(depth) = seed
    call item(depth, 1)
    model_bytes = model_bytes + item_bytes(kinds(depth), lens(depth))
    model_peak = max(model_peak, model_bytes)
    cursor = depth
  end subroutine push_new

  subroutine pop_check()
    call item(depth, 2)
    model_bytes = model_bytes - item_bytes(kinds(depth), lens(depth))
    depth = depth - 1
    cursor = depth
    npops = npops + 1
  end subroutine pop_check

  subroutine look_check()
    call item(cursor, 3)
    cursor = cursor - 1
    nlooks = nlooks + 1
  end subroutine look_check

  !> action 1: push item j; 2: pop it and compare; 3: look it and compare.
  subroutine item(j, action)
    integer(int64), intent(in) :: j
    integer(int32), intent(in) :: action
    integer(int64) :: n, s, i
    real(real64) :: r8(lens(j)), r8b(lens(j))
    integer(int32) :: i4(lens(j)), i4b(lens(j))
    integer(int64) :: mat(2 * lens(j) + 1, 4), matb(2 * lens(j) + 1, 4)
    complex(real32) :: c4(lens(j)), c4b(lens(j))
    real(real32) :: x4, x4b
    complex(real64) :: z8, z8b
    logical(4) :: l4, l4b
    logical :: ok
    n = lens(j)
    s = seeds(j)
    do i = 1, n
      r8(i) = real(s * 7919 + i, real64) / 3.0_real64
      i4(i) = int(modulo(s * 31 + i * 17, 100000_int64) - 50000, int32)
      c4(i) = cmplx(real(s + i, real32) / 7.0_real32, -real(i, real32), real32)
    end do
    mat = reshape([(s * 1000 + i, i = 1, size(mat, kind=int64))], shape(mat))
    x4 = real(s, real32) / 11.0_real32
    z8 = cmplx(real(s, real64) / 13.0_real64, 1.0_real64 / real(s + 100000, real64), real64)
    l4 = modulo(s, 2_int64) == 0
    r8b = 0; i4b = 0; matb = 0; c4b = 0; x4b = 0; z8b = 0; l4b = .not. l4
    ok = .true.
    select case (kinds(j))
    case (1)
      if (action == 1) call fadj_push(r8)
      if (action == 2) call fadj_pop(r8b)
      if (action == 3) call fadj_look(r8b)
      if (action /= 1) ok = all(r8b == r8)
    case (2)
      if (action == 1) call fadj_push(i4)
      if (action == 2) call fadj_pop(i4b)
      if (action == 3) call fadj_look(i4b)
      if (action /= 1) ok = all(i4b == i4)
    case (3)
      if (action == 1) call fadj_push(x4)
      if (action == 2) call fadj_pop(x4b)
      if (action == 3) call fadj_look(x4b)
      if (action /= 1) ok = x4b == x4
    case (4)
      if (action == 1) call fadj_push(z8)
      if (action == 2) call fadj_pop(z8b)
      if (action == 3) call fadj_look(z8b)
      if (action /= 1) ok = z8b == z8
    case (5)
      if (action == 1) call fadj_push(mat(2:2 * n:2, 2:4))
      if (action == 2) call fadj_pop(matb(2:2 * n:2, 2:4))
      if (action == 3) call fadj_look(matb(2:2 * n:2, 2:4))
      if (action /= 1) ok = all(matb(2:2 * n:2, 2:4) == mat(2:2 * n:2, 2:4)) .and. &
                            count(matb /= 0) == count(mat(2:2 * n:2, 2:4) /= 0)
    case (6)
      if (action == 1) call fadj_push(l4)
      if (action == 2) call fadj_pop(l4b)
      if (action == 3) call fadj_look(l4b)
      if (action /= 1) ok = l4b .eqv. l4
    case default
      if (action == 1) call fadj_push(c4)
      if (action == 2) call fadj_pop(c4b)
      if (action == 3) call fadj_look(c4b)
      if (action /= 1) ok = all(c4b == c4)
    end select
    if (.not. ok) then
      errors = errors + 1
      if (errors < 20) write (*, '(a,i0,a,i0,a,i0,a,i0)') 'FAIL action ', action, ' item ', j, &
           ' kind ', kinds(j), ' len ', n
    end if
  end subroutine item

end program t_random
