import { Module } from '@nestjs/common';
import { RouterAuth } from './router-auth.js';

@Module({ providers: [RouterAuth], exports: [RouterAuth] })
export class AuthModule {}
