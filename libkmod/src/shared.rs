//! `Shared<T>`: the reference-counted box behind `struct kmod_ctx *` and `struct kmod_module *`.
//!
//! Like `Rc`, but the pointer handed to C is the start of the allocation: `Rc::into_raw`
//! points 16 bytes in (past its counts), and a client that keeps only that pointer (dracut-install
//! keeps its context in a static until exit) then holds an interior pointer, which valgrind and
//! LeakSanitizer report as a possible leak, and everything the context owns as lost. Here the
//! value comes first in the allocation and the count after it.

use std::cell::Cell;
use std::ops::Deref;
use std::ptr::NonNull;

#[repr(C)]
struct Inner<T> {
    // First: a pointer to the value is a pointer to the allocation.
    value: T,
    count: Cell<usize>,
}

/// A counted reference to a `T` on the heap.
#[derive(Debug)]
pub struct Shared<T> {
    ptr: NonNull<Inner<T>>,
}

impl<T> Shared<T> {
    /// A new value with one reference.
    pub fn new(value: T) -> Shared<T> {
        let inner = Box::new(Inner {
            value,
            count: Cell::new(1),
        });
        Shared {
            ptr: NonNull::from(Box::leak(inner)),
        }
    }

    fn inner(&self) -> &Inner<T> {
        // SAFETY: ptr came from Box::leak and stays allocated while a reference (self) lives.
        unsafe { self.ptr.as_ref() }
    }

    /// The pointer C gets: the value's address, the start of the allocation. The reference is
    /// C's now ([`Shared::from_raw`] takes it back).
    pub fn into_raw(this: Shared<T>) -> *const T {
        let p = Shared::as_ptr(&this);
        std::mem::forget(this);
        p
    }

    /// The value's address, without giving up the reference.
    pub fn as_ptr(this: &Shared<T>) -> *const T {
        this.ptr.as_ptr().cast::<T>().cast_const()
    }

    /// Takes back a reference handed out by [`Shared::into_raw`].
    ///
    /// # Safety
    /// `p` came from [`Shared::into_raw`] (or [`Shared::as_ptr`] of a live value), and the
    /// reference taken back is one the caller owns.
    pub unsafe fn from_raw(p: *const T) -> Shared<T> {
        Shared {
            // SAFETY: the caller promises p is the start of a live Inner<T> (value is first,
            // repr(C)), so it is not null.
            ptr: unsafe { NonNull::new_unchecked(p.cast::<Inner<T>>().cast_mut()) },
        }
    }

    /// A new reference to the value at `p`, leaving the caller's as it is.
    ///
    /// # Safety
    /// `p` is the address of a live value made by [`Shared::new`].
    pub unsafe fn clone_raw(p: *const T) -> Shared<T> {
        // SAFETY: as the caller promises; from_raw's reference is the one counted here.
        let this = unsafe { Shared::from_raw(p) };
        this.inner().count.set(this.inner().count.get() + 1);
        this
    }

    /// How many references there are.
    pub fn count(this: &Shared<T>) -> usize {
        this.inner().count.get()
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Shared<T> {
        self.inner().count.set(self.inner().count.get() + 1);
        Shared { ptr: self.ptr }
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner().value
    }
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        let count = self.inner().count.get() - 1;
        self.inner().count.set(count);
        if count == 0 {
            // SAFETY: the last reference: nothing else points to the allocation any more, and
            // it came from Box::leak of a Box<Inner<T>>.
            drop(unsafe { Box::from_raw(self.ptr.as_ptr()) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_raw_pointers() {
        let a = Shared::new(String::from("x"));
        let b = a.clone();
        assert_eq!(Shared::count(&a), 2);
        let p = Shared::into_raw(b);
        assert_eq!(p, Shared::as_ptr(&a));
        // SAFETY: p came from into_raw and the reference is ours.
        let c = unsafe { Shared::clone_raw(p) };
        assert_eq!(Shared::count(&a), 3);
        drop(c);
        // SAFETY: as above: takes back into_raw's reference.
        drop(unsafe { Shared::from_raw(p) });
        assert_eq!(Shared::count(&a), 1);
        assert_eq!(*a, "x");
    }
}
