#!/usr/bin/env python3
"""Does the TCAD field's lateral part change the neighbour transients? A check, not a product.

A smooth textbook model of PixelAV's type-2 configuration: pairs spread uniformly over x, y
in the central pixel and 1 um steps in depth (75 pairs/um, no fluctuations, no diffusion),
Jacoboni-Canali drift with the Lorentz force (Hall factors 1.10 / 0.70, 3.8 T along x) in
PixelAV's TCAD field, Shockley-Ramo induction with PixelAV's weighting-potential map (zero
beyond the map's one-pixel reach). Prints the mean induced charge on the rows around the
track's row (same column) at 0.2 ... 1.6 ns.

    scripts/physics/lateral-field-check.py 1d   # the field's centre line (as readout-sim drifts)
    scripts/physics/lateral-field-check.py 3d   # the full vector field, lateral parts included

Found (docs/physics.md, "Most negative neighbour"): the row above the track sees -81, -125,
-146 e at 0.2, 0.4, 0.6 ns with the centre line and -80, -124, -144 with the full field, so
the lateral field does not explain why PixelAV's early transients are smaller (-51, -117, -150).
Needs numpy and ../shared/reference/pixelav-maps (or SMARTPIX_REFERENCE).
"""
import os
import numpy as np, sys
ref=os.environ.get('SMARTPIX_REFERENCE', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared', 'reference'))
if len(sys.argv) != 2 or sys.argv[1] not in ('1d', '3d'):
    sys.exit('usage: lateral-field-check.py 1d|3d')
E=np.load(os.path.join(ref, 'pixelav-maps', 'pixelav-efield.npz'))
Wm=np.load(os.path.join(ref, 'pixelav-maps', 'pixelav-weighting.npz'))
Ex,Ey,Ez=E['Ex'],E['Ey'],E['Ez']; ex,ey,ez=E['x_um'],E['y_um'],E['z_um']
W=np.clip(Wm['W'],0,None); wx,wy,wz=Wm['x_um'],Wm['y_um'],Wm['z_um']
px,py,d=50.0,12.5,100.0
T=263.0; B=3.8
lateral = sys.argv[1]=='3d'
def interp3(A,gx,gy,gz,x,y,z):
    # trilinear on regular grid, clamped
    def idx(g,v):
        s=(v-g[0])/(g[1]-g[0]); s=np.clip(s,0,len(g)-1-1e-9); i=np.floor(s).astype(int); return i,s-i
    i,fx=idx(gx,x); j,fy=idx(gy,y); k,fz=idx(gz,z)
    c=0
    for a in (0,1):
        for b in (0,1):
            for cc in (0,1):
                w=(fx if a else 1-fx)*(fy if b else 1-fy)*(fz if cc else 1-fz)
                c=c+w*A[i+a,j+b,k+cc]
    return c
def field(x,y,z):
    # fold into the first quadrant of the cell
    xc=(x+px/2)%px-px/2; yc=(y+py/2)%py-py/2
    sx=np.sign(xc); sy=np.sign(yc); ax=np.abs(xc); ay=np.abs(yc)
    zc=np.clip(z,5,95)
    if lateral:
        fx=sx*interp3(Ex,ex,ey,ez,ax,ay,zc); fy=sy*interp3(Ey,ex,ey,ez,ax,ay,zc); fz=interp3(Ez,ex,ey,ez,ax,ay,zc)
    else:
        fx=0*z; fy=0*z; fz=interp3(Ez,ex,ey,ez,0*z,0*z,zc)
    return fx,fy,fz
def mobility(Emag,kind):
    if kind=='e': vm=1.53e9*T**-0.87; Ec=1.01*T**1.55; beta=0.0257*T**0.66; r=1.10
    else: vm=1.62e8*T**-0.52; Ec=1.24*T**1.68; beta=0.46*T**0.17; r=0.70
    mu=(vm/Ec)/(1+(Emag/Ec)**beta)**(1/beta); return mu,r
def velocity(x,y,z,q,kind):
    fx,fy,fz=field(x,y,z); Emag=np.sqrt(fx*fx+fy*fy+fz*fz)
    mu,r=mobility(Emag,kind); k=r*mu*1e-4*B
    pre=mu/(1+k*k)
    # v = pre*[qE + k*(E x B_hat)]; E x x_hat = (0, Ez, -Ey)
    vx=pre*(q*fx); vy=pre*(q*fy + k*fz); vz=pre*(q*fz - k*fy)
    return vx*1e-5, vy*1e-5, vz*1e-5  # cm/s -> um/ns
def Wpix(x,y,z,row):
    # weighting potential of pixel (col 0, row) at position; zero beyond the map
    dx=np.abs(x); dy=np.abs(y-row*py)
    inside=(dx<=wx[-1])&(dy<=wy[-1])
    return np.where(inside, interp3(W,wx,wy,wz,np.minimum(dx,wx[-1]),np.minimum(dy,wy[-1]),np.clip(z,0,d)),0.0)
# carriers
nx,ny,nz=6,25,100
x0=np.linspace(-25,25,nx,endpoint=False)+25/nx; y0=np.linspace(-6.25,6.25,ny,endpoint=False)+6.25/ny; z0=np.linspace(0,100,nz,endpoint=False)+0.5
X,Y,Z=np.meshgrid(x0,y0,z0,indexing='ij'); X=X.ravel(); Y=Y.ravel(); Z=Z.ravel()
ex_,ey_,ez_=X.copy(),Y.copy(),Z.copy(); hx,hy,hz=X.copy(),Y.copy(),Z.copy()
eon=np.ones_like(Z,bool); hon=np.ones_like(Z,bool)
rows=range(-3,3)
pairs_per_um=75.0
dt=0.001; out={r:[] for r in rows}
eland=np.zeros_like(Y)
for step in range(1,1601):
    for (on,xx,yy,zz,q,kind) in ((eon,ex_,ey_,ez_,-1,'e'),(hon,hx,hy,hz,1,'h')):
        vx,vy,vz=velocity(xx[on],yy[on],zz[on],q,kind)
        xx[on]+=vx*dt; yy[on]+=vy*dt; zz[on]+=vz*dt
    done=eon&(ez_>=d); eland[done]=ey_[done]; eon&=~done
    hon&=~(hz<=0)
    if step%200==0:
        for r in rows:
            we=np.where(eon, Wpix(ex_,ey_,ez_,r), (np.floor(eland/py+0.5)==r).astype(float))
            wh=np.where(hon, Wpix(hx,hy,hz,r), 0.0)
            out[r].append(((we-wh).sum())*pairs_per_um*100/len(Z))
np.set_printoptions(precision=0,suppress=True,linewidth=200)
print('lateral field' if lateral else 'centre-line field')
for r in rows: print(' dr',r,np.array(out[r]))
