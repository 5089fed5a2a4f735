/*
 * ownership.pml - Promela model of the kernel's IOMMU DMA-ownership
 * protocol (spec/ownership.md §2, §3, §5.1): one group, a VFIO-style user
 * (group claim, attach its domain, detach, release), kernel DMA-API
 * drivers binding and unbinding through dma_configure/dma_cleanup, and a
 * device hot-added into the group whose native driver auto-probes.
 *
 * Each atomic block is one critical section under group->mutex.  The
 * monitor asserts the invariant in every reachable state.
 *
 * -DBROKEN        dma_configure forgets the EBUSY check (§2.1)
 * -DBROKEN_HOTADD a newcomer joins the default domain, not the current one
 */

#define NDEV 3
#define DEFAULT 0
#define BLOCKING 1
#define USERDOM 2

/* driver state per device */
#define NONE 0
#define COUNTED 1	/* dma_configure done, probe() running */
#define ACTIVE 2	/* a DMA-API driver is bound and doing DMA */
#define REMOVED 3	/* remove() done, dma_cleanup pending */

byte owner = 0;			/* 0: kernel/idle; 1: the user's cookie */
byte owner_cnt = 0;
byte domain = DEFAULT;		/* the group's current domain */
bool present[NDEV];
byte dom[NDEV];			/* domain each present device sits on */
byte drv[NDEV];

/* how many drivers are counted (COUNTED, ACTIVE or REMOVED) */
#define counted(d) (drv[d] != NONE)
#define ncounted ((counted(0) -> 1 : 0) + (counted(1) -> 1 : 0) + \
		  (counted(2) -> 1 : 0))
#define kactive (drv[0] == ACTIVE || drv[1] == ACTIVE || drv[2] == ACTIVE)
#define ondom(d) (!present[d] || dom[d] == domain)

inline set_domain(nd)
{
	domain = nd;
	dom[0] = (present[0] -> nd : dom[0]);
	dom[1] = (present[1] -> nd : dom[1]);
	dom[2] = (present[2] -> nd : dom[2]);
}

/* really_probe() of a DMA-API driver, then later its unbind */
proctype kdrv(byte d)
{
	byte i = 0;
	do
	:: i < 2 ->
		i++;
		atomic {	/* dma_configure -> use_default_domain */
			present[d] && drv[d] == NONE ->
#ifdef BROKEN
			owner_cnt++;
			drv[d] = COUNTED
#else
			if
			:: owner_cnt > 0 && (domain != DEFAULT || owner != 0) ->
				skip	/* -EBUSY: probe never runs */
			:: else ->
				owner_cnt++;
				drv[d] = COUNTED
			fi
#endif
		}
		if
		:: drv[d] == COUNTED ->
			if
			:: drv[d] = ACTIVE	/* probe() ok */
			:: atomic {		/* probe() failed: dma_cleanup */
				owner_cnt--;
				drv[d] = NONE
			   }
			fi
		:: else -> skip
		fi;
		if
		:: drv[d] == ACTIVE ->
			drv[d] = REMOVED;	/* remove() */
			atomic {		/* dma_cleanup -> unuse */
				assert(owner_cnt > 0);
				owner_cnt--;
				drv[d] = NONE
			}
		:: else -> skip
		fi
	:: else -> break
	od
}

/* VFIO: SET_CONTAINER (claim), SET_IOMMU (attach), close (detach, release) */
proctype user()
{
	byte i = 0;
	bool got;
	do
	:: i < 2 ->
		i++;
		atomic {
			if
			:: owner_cnt > 0 -> got = false		/* -EPERM */
			:: owner_cnt == 0 && domain != DEFAULT ->
				got = false			/* -EBUSY */
			:: else ->
				set_domain(BLOCKING);
				owner = 1;
				owner_cnt = 1;
				got = true
			fi
		}
		if
		:: got ->
			atomic {	/* iommu_attach_group(user domain) */
				if
				:: domain == DEFAULT || domain == BLOCKING ->
					set_domain(USERDOM)
				:: else -> skip
				fi
			}
			atomic { set_domain(BLOCKING) }	/* detach: core domain */
			atomic {	/* release */
				owner = 0;
				owner_cnt = 0;
				set_domain(DEFAULT)
			}
		:: else -> skip
		fi
	:: else -> break
	od
}

/* device 2 hot-added into the group; its native driver auto-probes */
proctype hotadd()
{
	atomic {
		present[2] = true;
#ifdef BROKEN_HOTADD
		dom[2] = DEFAULT
#else
		dom[2] = domain
#endif
	}
	run kdrv(2)
}

active proctype monitor()
{
end:	do
	:: atomic {
		!((owner == 0 || (owner_cnt >= 1 && !kactive &&
				  domain != DEFAULT)) &&
		  (owner != 0 || owner_cnt == ncounted) &&
		  ondom(0) && ondom(1) && ondom(2)) ->
			assert(false)
	   }
	od
}

init
{
	atomic {
		present[0] = true;	/* the user's device (VFIO driver) */
		present[1] = true;	/* a kernel device */
		present[2] = false;	/* hot-added later */
		run user();
		run kdrv(1);
		run hotadd()
	}
}
